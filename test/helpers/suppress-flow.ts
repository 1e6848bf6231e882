import { expect } from 'vitest';
import type { StoredMessage } from '../emulator/slack/server.ts';
import {
  blockActionPayload,
  interactionBody,
  postToBot,
  viewSubmissionPayload,
} from '../emulator/slack/signing.ts';
import { eventually, type Harness, signingSecret } from './bot.ts';
import { type SuppressForm, suppressFormValues } from './suppress-form.ts';

/** What a user does with the digest and the Suppress modal, as Slack would send it to the bot. */

/** The emulators and the bot's URL: a harness, or one replica of several. */
export type BotSurface = Pick<Harness, 'aws' | 'slack' | 'url'>;

export interface EmulatedFinding {
  Id: string;
  Resources: { Id: string }[];
  Workflow?: { Status: string };
  Note?: { Text: string; UpdatedBy: string };
  Compliance?: { SecurityControlId?: string };
}

/** The findings Security Hub (the emulator) holds for one account and Region, as they are now. */
export function emulatedFindings(h: BotSurface, account: string, region: string): EmulatedFinding[] {
  const s = h.aws.getState() as unknown as {
    accounts: Record<string, { regions: Record<string, { findings: EmulatedFinding[] }> }>;
  };
  return s.accounts[account]?.regions[region]?.findings ?? [];
}

const isParent = (m: StoredMessage) => !m.thread_ts || m.thread_ts === m.ts;

export const repliesTo = (h: BotSurface, channel: string, parent: StoredMessage) =>
  h.slack.messages(channel).filter((m) => m.thread_ts === parent.ts && m.ts !== parent.ts);

/** `/fsbp digest now` in a channel; resolves with the new digest's parent message. */
export async function digestNow(h: Harness, channel: string, user: string): Promise<StoredMessage> {
  const before = h.slack.messages(channel).filter(isParent).length;
  const reply = await h.slash('digest now', { user, channel });
  await eventually(() => h.slack.responses(reply.responseUrl)[0], 30_000);
  const parents = h.slack.messages(channel).filter(isParent);
  expect(parents.length).toBe(before + 1);
  return parents.at(-1) as StoredMessage;
}

/** The digest reply about a control and its Suppress button's value ('' once the button is gone). */
export function replyFor(
  h: BotSurface,
  channel: string,
  parent: StoredMessage,
  controlId: string,
): { message: StoredMessage; key: string } {
  const message = repliesTo(h, channel, parent).find((m) =>
    JSON.stringify(m.blocks).includes(`] ${controlId}*`),
  );
  if (!message) throw new Error(`no reply for ${controlId}`);
  const button = (message.blocks as { type: string; elements?: { action_id?: string; value?: string }[] }[])
    .flatMap((b) => b.elements ?? [])
    .find((e) => e.action_id === 'suppress_open');
  return { message, key: button?.value ?? '' };
}

/** A click on a Suppress button in `channel`; resolves with the modal the bot opened. */
export async function clickSuppress(
  h: BotSurface,
  user: string,
  channel: string,
  message: StoredMessage,
  key: string,
) {
  const triggerId = h.slack.mintTriggerId();
  const opened = h.slack.calls('views.open').length;
  const payload = blockActionPayload({
    user,
    channel,
    message_ts: message.ts,
    action_id: 'suppress_open',
    value: key,
    trigger_id: triggerId,
    response_url: h.slack.responseUrl({ channel }),
  });
  const reply = await postToBot(h.url, interactionBody(payload), { secret: signingSecret });
  expect(reply.status).toBe(200);
  const call = await eventually(() => h.slack.calls('views.open')[opened]);
  return { triggerId, call, view: (call.response as { view: Record<string, unknown> }).view };
}

export type SuppressFormInput = SuppressForm;

/** Submits the Suppress modal; resolves with the bot's HTTP answer (the ack's response_action). */
export async function submitSuppress(
  h: BotSurface,
  user: string,
  view: Record<string, unknown>,
  form: SuppressFormInput,
) {
  const payload = viewSubmissionPayload({
    user,
    callback_id: 'suppress_submit',
    private_metadata: String(view.private_metadata),
    values: suppressFormValues(form),
    view_id: String(view.id),
    view,
  });
  const reply = await postToBot(h.url, interactionBody(payload), { secret: signingSecret });
  expect(reply.status).toBe(200);
  return reply.body ? (JSON.parse(reply.body) as Record<string, unknown>) : {};
}

/** The modal's text after the bot's views.update of that view that contains `expected`. */
export async function modalOutcome(h: BotSurface, viewId: string, expected: string): Promise<string> {
  return eventually(() => {
    const update = h.slack
      .calls('views.update')
      .filter((c) => c.args.view_id === viewId)
      .map((c) => JSON.stringify(c.args.view))
      .find((v) => v.includes(expected));
    return update;
  }, 30_000);
}

/** A click on an approvers' message's Approve or Reject button, as Slack sends it; resolves at the ack. */
export async function clickReview(
  h: Harness,
  user: string,
  channel: string,
  message: StoredMessage,
  action: 'suppression_approve' | 'suppression_reject',
  id: number,
) {
  const triggerId = h.slack.mintTriggerId();
  const opened = h.slack.calls('views.open').length;
  const payload = blockActionPayload({
    user,
    channel,
    message_ts: message.ts,
    message: message as unknown as Record<string, unknown>,
    block_id: 'approval',
    action_id: action,
    value: String(id),
    trigger_id: triggerId,
    response_url: h.slack.responseUrl({ channel }),
  });
  const reply = await postToBot(h.url, interactionBody(payload), { secret: signingSecret });
  expect(reply.status).toBe(200);
  return { triggerId, opened };
}

/** Submits the Reject modal with a reason; resolves with the bot's ack (its response_action). */
export async function submitReject(h: Harness, user: string, view: Record<string, unknown>, reason: string) {
  const payload = viewSubmissionPayload({
    user,
    callback_id: 'suppression_reject_submit',
    private_metadata: String(view.private_metadata),
    values: { reason: { value: reason } },
    view_id: String(view.id),
    view,
  });
  const reply = await postToBot(h.url, interactionBody(payload), { secret: signingSecret });
  expect(reply.status).toBe(200);
  return reply.body ? (JSON.parse(reply.body) as Record<string, unknown>) : {};
}
