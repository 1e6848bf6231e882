import { randomUUID } from 'node:crypto';
import type { App } from '@slack/bolt';
import type { KnownBlock } from '@slack/types';
import type { WebClient } from '@slack/web-api';
import { z } from 'zod';
import type { Config } from '../config/schema.ts';
import { approvalDoc } from '../document/approval-doc.ts';
import { errorMessage } from '../document/error-doc.ts';
import { AppError, asAppError } from '../errors.ts';
import { type Language, type LanguagePreference, languagesFor } from '../i18n/index.ts';
import {
  approvalPolicyFor,
  approveRequest,
  type ReviewRequest,
  rejectRequest,
  reviewableRequest,
} from '../suppression/approval.ts';
import type { Suppression } from '../suppression/types.ts';
import { docToBlocks, fallbackText } from './blocks/doc-to-blocks.ts';
import { escapeMrkdwn, truncate } from './mrkdwn.ts';
import { announceSuppression, logRefusal, type SuppressSurfaceDeps } from './suppress.ts';
import {
  readRejectMetadata,
  readRejectReason,
  rejectCallbackId,
  rejectMessageModal,
  rejectModal,
  rejectReasonBlock,
} from './views/approval-modal.ts';
import { type ModalLanguage, sayEach } from './views/suppress-modal.ts';

/**
 * Four-eyes suppressions in Slack: the approvers' message in the thread (Approve / Reject), the
 * Reject modal, and the message edited in place at every decision. What may be decided, and by
 * whom, is the domain's (src/suppression/approval.ts); this module shows it.
 */

export const approveAction = 'suppression_approve';
export const rejectAction = 'suppression_reject';

/** A button value is a request's number; anything else is refused unread. */
const RequestId = z
  .string()
  .regex(/^\d{1,12}$/)
  .transform(Number);

const channelLanguage = (config: Config, channel: string | null): LanguagePreference =>
  config.channels.find((c) => c.id === channel)?.digest.language ?? 'both';

/**
 * Who is asked: the approvers' user groups, else their users, as Slack mentions. The IDs come from
 * the validated config (`S…`, `U…`), never from a user or AWS.
 */
function mentions(config: Config, channel: string | null): string {
  const approvers = approvalPolicyFor(config, channel)?.approvers;
  if (!approvers) return '';
  const groups = approvers.allowedUserGroups.map((id) => `<!subteam^${id}>`);
  return (groups.length > 0 ? groups : approvers.allowedUsers.map((id) => `<@${id}>`)).join(' ');
}

function plain(text: string) {
  return { type: 'plain_text' as const, text: truncate(text, 75), emoji: true };
}

/** The approvers' message as it reads now: buttons only while the request waits. */
function approvalMessage(deps: SuppressSurfaceDeps, s: Suppression): { text: string; blocks: KnownBlock[] } {
  const language = channelLanguage(deps.config, s.channel);
  const t = (lang: Language) => deps.i18n.getFixedT(lang);
  const doc = approvalDoc(s, deps.catalog, t, language);
  const blocks: KnownBlock[] = [];
  const asked = s.state === 'awaiting_approval' ? mentions(deps.config, s.channel) : '';
  if (asked) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: asked } });
  blocks.push(...docToBlocks(doc));
  if (s.state === 'awaiting_approval') {
    const label = (key: string) =>
      languagesFor(language)
        .map((lang) => t(lang)(key))
        .join(' / ');
    blocks.push({
      type: 'actions',
      block_id: 'approval',
      elements: [
        {
          type: 'button',
          action_id: approveAction,
          text: plain(label('approval.approve')),
          style: 'primary',
          value: String(s.id),
        },
        {
          type: 'button',
          action_id: rejectAction,
          text: plain(label('approval.reject')),
          style: 'danger',
          value: String(s.id),
        },
      ],
    });
  }
  return { text: `${asked ? `${asked} ` : ''}${fallbackText(doc)}`, blocks };
}

/** The thread a request's messages go to: the digest's parent, or the check result. */
async function threadOf(deps: SuppressSurfaceDeps, s: Suppression): Promise<string | undefined> {
  const key = s.requestKey.slice(s.requestKey.indexOf(':') + 1);
  const item = s.requestKey.startsWith('digest-item:') ? await deps.store.digestItem(key) : null;
  const run = item ? await deps.store.digestRun(item.runId) : null;
  return run?.parentTs ?? s.messageTs ?? undefined;
}

/** Posts the one approvers' message of a new request in its thread and remembers where it is. */
export async function postApprovalRequest(
  deps: SuppressSurfaceDeps,
  client: WebClient,
  s: Suppression,
): Promise<void> {
  if (!s.channel) return;
  const thread = await threadOf(deps, s);
  const posted = await client.chat.postMessage({
    channel: s.channel,
    ...(thread ? { thread_ts: thread } : {}),
    ...approvalMessage(deps, s),
  });
  if (posted.ts) await deps.store.setApprovalMessage(s.id, posted.ts);
}

/** Edits the approvers' message in place to say where the request stands now. */
export async function refreshApprovalMessage(
  deps: SuppressSurfaceDeps,
  client: WebClient,
  s: Suppression,
): Promise<void> {
  const ts = s.approval?.messageTs;
  if (!s.channel || !ts) return;
  await client.chat.update({ channel: s.channel, ts, ...approvalMessage(deps, s) });
}

/** For the suppression job: a request it let lapse gets its message edited. */
export function approvalLapsedNotifier(deps: SuppressSurfaceDeps, client: WebClient) {
  return async (s: Suppression) => {
    await refreshApprovalMessage(deps, client, s).catch((error: unknown) =>
      deps.logger.warn({ err: error, suppression: s.id }, 'could not edit the message of a lapsed request'),
    );
  };
}

/** Says something to one user under the approvers' message, in the lines given (already localized). */
async function tellUser(
  deps: SuppressSurfaceDeps,
  client: WebClient,
  where: { channel: string; thread?: string | undefined; user: string },
  lines: readonly string[],
) {
  await client.chat
    .postEphemeral({
      channel: where.channel,
      user: where.user,
      ...(where.thread ? { thread_ts: where.thread } : {}),
      text: truncate(lines.map(escapeMrkdwn).join('\n'), 3000),
    })
    .catch((error: unknown) => deps.logger.warn({ err: error }, 'chat.postEphemeral failed'));
}

function userLanguage(deps: SuppressSurfaceDeps, preference: LanguagePreference): ModalLanguage {
  return { langs: languagesFor(preference), t: (lang: Language) => deps.i18n.getFixedT(lang) };
}

const bilingual = (deps: SuppressSurfaceDeps) => userLanguage(deps, 'both');

/** The request a click is about, as the domain re-checks it. */
async function reviewOf(
  deps: SuppressSurfaceDeps,
  id: number,
  channel: string,
  userId: string,
): Promise<ReviewRequest> {
  return {
    id,
    channel,
    userId,
    userName: await deps.users.name(userId),
    isApprover: (approvers) => deps.users.mayModify(userId, approvers),
  };
}

/** Tells the requester, in their own language, that an approver rejected their request. */
async function tellRequester(deps: SuppressSurfaceDeps, client: WebClient, s: Suppression) {
  if (!s.channel) return;
  const l = userLanguage(deps, await deps.resolveLanguage(s.userId));
  const lines = sayEach(l, 'approval.rejectedNotice', {
    id: s.id,
    control: s.controlId,
    account: s.accountId,
    region: s.region,
    user: s.approval?.reviewerName ?? '',
    reason: s.approval?.rejectionReason ?? '',
  });
  await tellUser(
    deps,
    client,
    { channel: s.channel, thread: await threadOf(deps, s), user: s.userId },
    lines,
  );
}

/**
 * Approve applies the request at once (re-checked at the click); Reject opens a modal for the
 * reason. Refusals go to the clicker only, in both languages.
 */
export function registerApprovals(app: App, deps: SuppressSurfaceDeps): void {
  app.action(approveAction, async ({ ack, body, client, action }) => {
    await ack();
    if (body.type !== 'block_actions') return;
    const userId = body.user.id;
    const channel = body.channel?.id ?? '';
    const thread = (body as { message?: { thread_ts?: string } }).message?.thread_ts;
    const id = RequestId.safeParse('value' in action ? action.value : undefined);
    try {
      if (!id.success) throw new AppError('unknown_suppression', 'approve button value is not a number');
      const outcome = await approveRequest(
        {
          config: deps.config,
          accounts: deps.accounts,
          catalog: deps.catalog,
          store: deps.store,
          aws: deps.aws,
          now: deps.now,
        },
        await reviewOf(deps, id.data, channel, userId),
        // One holder per click: a second approval (another process, another click) never applies too.
        randomUUID(),
      );
      const s = outcome.suppression;
      if (s.failed.length > 0) {
        deps.logger.warn({ suppression: s.id, failed: s.failed }, 'Security Hub left findings unprocessed');
      }
      await refreshApprovalMessage(deps, client, s).catch((error: unknown) =>
        deps.logger.warn({ err: error }, 'could not edit the approvers’ message'),
      );
      const target = await deps.store.suppressTarget(s.requestKey.slice(s.requestKey.indexOf(':') + 1));
      if (target && s.updated.length > 0) {
        await announceSuppression(deps, client, target, s).catch((error: unknown) =>
          deps.logger.warn({ err: error }, 'could not tell the channel about the suppression'),
        );
      }
    } catch (error) {
      const appError = asAppError(error);
      logRefusal(deps, appError, userId, channel);
      await tellUser(deps, client, { channel, thread, user: userId }, [errorMessage(appError, deps.i18n)]);
      // Approved by this click but not applied (AWS failed): the message says so; the job completes it.
      const latest =
        id.success && appError.code !== 'approval_closed' ? await deps.store.getSuppression(id.data) : null;
      if (latest?.state === 'pending' && latest.approval?.reviewerId === userId) {
        await refreshApprovalMessage(deps, client, latest).catch(() => undefined);
      }
    }
  });

  app.action(rejectAction, async ({ ack, body, client, action }) => {
    await ack();
    if (body.type !== 'block_actions') return;
    const userId = body.user.id;
    const channel = body.channel?.id ?? '';
    const l = userLanguage(deps, await deps.resolveLanguage(userId));
    const id = RequestId.safeParse('value' in action ? action.value : undefined);
    let view: ReturnType<typeof rejectModal>;
    try {
      if (!id.success) throw new AppError('unknown_suppression', 'reject button value is not a number');
      // Checked now so a refusal is shown at once, and again at the submit.
      await reviewableRequest(deps, await reviewOf(deps, id.data, channel, userId));
      view = rejectModal(l, id.data, channel);
    } catch (error) {
      const appError = asAppError(error);
      logRefusal(deps, appError, userId, channel);
      view = rejectMessageModal(bilingual(deps), [errorMessage(appError, deps.i18n)]);
    }
    await client.views
      .open({ trigger_id: body.trigger_id, view })
      .catch((error: unknown) => deps.logger.warn({ err: error }, 'views.open failed'));
  });

  app.view(rejectCallbackId, async ({ ack, body, view, client }) => {
    const userId = body.user.id;
    const l = userLanguage(deps, await deps.resolveLanguage(userId));
    const reason = readRejectReason(view.state.values);
    if (!reason) {
      await ack({
        response_action: 'errors',
        errors: { [rejectReasonBlock]: sayEach(l, 'approval.rejectModal.required').join(' / ') },
      });
      return;
    }
    let rejected: Suppression;
    try {
      const metadata = readRejectMetadata(view.private_metadata);
      rejected = await rejectRequest(deps, {
        ...(await reviewOf(deps, metadata.id, metadata.channel, userId)),
        reason,
      });
    } catch (error) {
      const appError = asAppError(error);
      logRefusal(deps, appError, userId, null);
      await ack({
        response_action: 'update',
        view: rejectMessageModal(bilingual(deps), [errorMessage(appError, deps.i18n)]),
      });
      return;
    }
    await ack({
      response_action: 'update',
      view: rejectMessageModal(l, sayEach(l, 'approval.rejectModal.done', { id: rejected.id })),
    });
    await refreshApprovalMessage(deps, client, rejected).catch((error: unknown) =>
      deps.logger.warn({ err: error }, 'could not edit the approvers’ message'),
    );
    await tellRequester(deps, client, rejected);
  });
}
