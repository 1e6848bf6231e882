import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../src/store/sqlite.ts';
import {
  blockActionPayload,
  eventCallbackPayload,
  interactionBody,
  postToBot,
} from '../emulator/slack/signing.ts';
import { ownAccountState } from '../helpers/aws-state.ts';
import { eventually, type Harness, signingSecret, startHarness } from '../helpers/bot.ts';
import { modalOutcome, submitSuppress } from '../helpers/suppress-flow.ts';

const PROD = '111111111111';
const DEV = '222222222222';
const TOKYO = 'ap-northeast-1';
const MEMBER = 'U0JA00001'; // in #security (prod) only
const OTHER = 'U0EN00001'; // in #dev (dev) only
const NOBODY = 'U0NOBODY01'; // in no configured channel
const STRANGER = 'U0STRANGE1'; // in #dev only, and allowed to suppress

const config = {
  defaultLanguage: 'en',
  accounts: [
    { id: PROD, name: 'prod', regions: [TOKYO] },
    { id: DEV, name: 'dev', regions: [TOKYO] },
  ],
  channels: [
    { id: 'C0123456789', accounts: ['prod'] },
    { id: 'C0DEVCHAN01', accounts: ['dev'] },
  ],
  suppression: { allowedUsers: [MEMBER, STRANGER] },
};

let clock = Date.parse('2026-11-30T01:00:00.000Z');
let h: Harness;
beforeAll(async () => {
  h = await startHarness({
    // One failing EC2.19 finding in prod, for a Suppress submitted with scope "whole control".
    state: ownAccountState(PROD, TOKYO, { 'EC2.19': [{ id: `sg-${PROD}`, compliance: 'NON_COMPLIANT' }] }),
    config,
    now: () => clock,
    users: {
      [MEMBER]: { name: 'taro', locale: 'ja-JP' },
      [OTHER]: { name: 'alice', locale: 'en-US' },
      [NOBODY]: { name: 'bob', locale: 'en-US' },
      [STRANGER]: { name: 'mallory', locale: 'en-US' },
    },
    channels: {
      C0123456789: { name: 'security', members: [MEMBER] },
      C0DEVCHAN01: { name: 'dev', members: [OTHER, STRANGER] },
    },
  });
  // History as the digest records it: a CRITICAL failure open since 2026-11-01 in each account.
  const store = openSqliteStore({ path: h.storePath });
  for (const [account, day] of [
    [PROD, '2026-11-01'],
    [DEV, '2026-11-20'],
  ] as const) {
    await store.recordSweep({
      at: `${day}T00:00:00.000Z`,
      day,
      scopes: [{ accountId: account, region: TOKYO }],
      severities: ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW'],
      failing: [
        {
          findingId: `arn:aws:securityhub:${TOKYO}:${account}:security-control/EC2.19/finding/1`,
          accountId: account,
          region: TOKYO,
          controlId: 'EC2.19',
          severity: 'CRITICAL',
          firstObservedAt: null,
          resourceId: `sg-${account}`,
        },
      ],
      suppressed: [],
    });
  }
  await store.close();
});
afterAll(() => h.stop());

async function openHome(user: string) {
  const before = h.slack.calls('views.publish').length;
  const reply = await postToBot(
    h.url,
    eventCallbackPayload({ event: { type: 'app_home_opened', user, channel: 'D0HOME0001', tab: 'home' } }),
    { secret: signingSecret },
  );
  expect(reply.status).toBe(200);
  return before;
}

describe('App Home', () => {
  it('a member sees exactly the accounts of their channels, with counts, overdue, the chart and the oldest failures', async () => {
    const before = await openHome(MEMBER);
    await eventually(() => h.slack.calls('views.publish').length > before, 30_000);
    const view = h.slack.homeView(MEMBER);
    const text = JSON.stringify(view?.blocks);
    expect(text).toContain(PROD);
    expect(text).not.toContain(DEV);
    expect(text).not.toContain('dev');
    // Japanese for a ja-JP viewer; the 29-day-old CRITICAL failure is 22 days past its 7-day SLA.
    expect(text).toContain('FSBP セキュリティ態勢');
    expect(text).toContain('SLA 超過: 重大 1');
    expect(text).toContain('SLA を 22 日超過');
    const image = view?.blocks.find((b) => (b as { type: string }).type === 'image') as {
      slack_file: { id: string };
    };
    const file = h.slack.file(image.slack_file.id);
    expect(file?.completed).toBe(true);
    expect(file?.mimetype).toBe('image/png');
  });

  it("the other channel's member sees only theirs; someone in no channel sees no account at all", async () => {
    const a = await openHome(OTHER);
    await eventually(() => h.slack.calls('views.publish').length > a, 30_000);
    const other = JSON.stringify(h.slack.homeView(OTHER)?.blocks);
    expect(other).toContain(DEV);
    expect(other).not.toContain(PROD);
    const b = await openHome(NOBODY);
    await eventually(() => h.slack.calls('views.publish').length > b, 30_000);
    const none = JSON.stringify(h.slack.homeView(NOBODY)?.blocks);
    expect(none).toContain('No accounts to show');
    expect(none).not.toContain(PROD);
    expect(none).not.toContain(DEV);
  });

  it('opening again within a minute publishes nothing new; after a minute it refreshes', async () => {
    const before = h.slack.calls('views.publish').length;
    await openHome(MEMBER);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(h.slack.calls('views.publish').length).toBe(before);
    clock += 61_000;
    await openHome(MEMBER);
    await eventually(() => h.slack.calls('views.publish').length > before, 30_000);
  });
});

describe('App Home links', () => {
  it('links the latest digest thread of each channel the viewer is in, and only those', async () => {
    const { WebClient } = await import('@slack/web-api');
    const slack = new WebClient('xoxb-1234567890-test-token', { slackApiUrl: h.slack.url });
    const posted = await slack.chat.postMessage({ channel: 'C0DEVCHAN01', text: 'FSBP digest' });
    const store = openSqliteStore({ path: h.storePath });
    const summary = {
      date: '2026-11-30',
      accounts: ['dev'],
      failing: {},
      newCount: 0,
      overflow: 0,
      resolvedCount: 0,
      previousFailingTotal: null,
      resolvedIds: [],
      overflowIds: [],
      consoleUrl: null,
    };
    const run = await store.createDigest({
      channel: 'C0DEVCHAN01',
      startedAt: '2026-11-30T00:00:00.000Z',
      summary,
      items: [],
    });
    await store.setDigestParent(run.id, posted.ts as string);
    await store.finishDigest(run.id);
    await store.close();
    clock += 61_000;
    const before = await openHome(OTHER);
    await eventually(() => h.slack.calls('views.publish').length > before, 30_000);
    const other = JSON.stringify(h.slack.homeView(OTHER)?.blocks);
    expect(other).toContain(`/archives/C0DEVCHAN01/p${(posted.ts as string).replace('.', '')}`);
    clock += 61_000;
    const again = await openHome(MEMBER);
    await eventually(() => h.slack.calls('views.publish').length > again, 30_000);
    expect(JSON.stringify(h.slack.homeView(MEMBER)?.blocks)).not.toContain('C0DEVCHAN01');
  });
});

describe('App Home Suppress button', () => {
  it('is offered to a user the policy allows and opens the suppression modal for that failure; not to others', async () => {
    clock += 61_000;
    const before = await openHome(MEMBER);
    await eventually(() => h.slack.calls('views.publish').length > before, 30_000);
    const view = h.slack.homeView(MEMBER);
    const button = view?.blocks
      .map((b) => (b as { accessory?: { action_id?: string; value?: string } }).accessory)
      .find((a) => a?.action_id === 'suppress_open');
    expect(button?.value).toMatch(/^[\w-]{16}$/);
    const payload = blockActionPayload({
      user: MEMBER,
      channel: 'D0HOME0001',
      message_ts: '0',
      action_id: 'suppress_open',
      value: button?.value as string,
      response_url: h.slack.responseUrl(),
      trigger_id: h.slack.mintTriggerId(),
    });
    // A click in the Home tab comes from a view, not a message.
    delete payload.message;
    payload.container = { type: 'view', view_id: view?.id };
    const opened = h.slack.calls('views.open').length;
    const reply = await postToBot(h.url, interactionBody(payload), { secret: signingSecret });
    expect(reply.status).toBe(200);
    const call = await eventually(() => h.slack.calls('views.open')[opened], 30_000);
    expect(call.response.ok).toBe(true);
    expect(JSON.stringify(call.args.view)).toContain(`sg-${PROD}`);
    // OTHER is not in suppression.allowedUsers: the same failure list without a button.
    const other = JSON.stringify(h.slack.homeView(OTHER)?.blocks);
    expect(other).not.toContain('suppress_open');
  });
});

/** A click on a Home tab Suppress button: from a view, not a message. Resolves with the modal opened. */
async function clickInHome(user: string, value: string, homeViewId: string | undefined) {
  const payload = blockActionPayload({
    user,
    channel: 'D0HOME0001',
    message_ts: '0',
    action_id: 'suppress_open',
    value,
    response_url: h.slack.responseUrl(),
    trigger_id: h.slack.mintTriggerId(),
  });
  delete payload.message;
  payload.container = { type: 'view', view_id: homeViewId };
  const opened = h.slack.calls('views.open').length;
  expect((await postToBot(h.url, interactionBody(payload), { secret: signingSecret })).status).toBe(200);
  const call = await eventually(() => h.slack.calls('views.open')[opened], 30_000);
  return (call.response as { view: Record<string, unknown> }).view;
}

/** The Suppress button beside MEMBER's oldest prod failure, as published in MEMBER's Home tab. */
async function memberHomeButton() {
  clock += 61_000;
  const before = await openHome(MEMBER);
  await eventually(() => h.slack.calls('views.publish').length > before, 30_000);
  const view = h.slack.homeView(MEMBER);
  const value = view?.blocks
    .map((b) => (b as { accessory?: { action_id?: string; value?: string } }).accessory)
    .find((a) => a?.action_id === 'suppress_open')?.value;
  expect(value).toMatch(/^[\w-]{16}$/);
  return { value: value as string, viewId: view?.id };
}

const refusal = 'This button does not belong to this channel';
const writes = () => h.aws.calls().filter((c) => c.operation === 'BatchUpdateFindings').length;

describe('App Home Suppress button and channel membership', () => {
  it('a user allowed to suppress but not in the target’s channel is refused at the click: no form, no AWS write', async () => {
    const { value, viewId } = await memberHomeButton();
    const before = writes();
    // STRANGER replays MEMBER's Home tab button: prod is reported in #security, which STRANGER is not in.
    const modal = await clickInHome(STRANGER, value, viewId);
    const shown = JSON.stringify(modal);
    expect(shown).toContain(refusal);
    expect(shown).not.toContain('suppress_submit');
    expect(writes()).toBe(before);
  });

  it('a member who left the channel between click and submit is refused at the submit; back in it, the same steps suppress', async () => {
    const { value, viewId } = await memberHomeButton();
    const before = writes();
    const form = await clickInHome(MEMBER, value, viewId);
    expect(form.callback_id).toBe('suppress_submit');
    // MEMBER leaves #security while the modal is open (the bot's membership cache still says member).
    h.slack.setMembers('C0123456789', []);
    await submitSuppress(h, MEMBER, form, { reason: 'Bastion security group, by design', scope: 'control' });
    const refused = await modalOutcome(h, String(form.id), refusal);
    expect(refused).toContain('このボタンはこのチャンネルのものではない');
    expect(writes()).toBe(before);

    // Back in #security; the bot reads membership again once its cached copy (5 minutes) is old.
    h.slack.setMembers('C0123456789', [MEMBER]);
    clock += 5 * 60_000 + 1;
    const again = await clickInHome(MEMBER, value, viewId);
    await submitSuppress(h, MEMBER, again, { reason: 'Bastion security group, by design', scope: 'control' });
    // MEMBER reads Japanese: "suppressed 1 finding until ...".
    await modalOutcome(h, String(again.id), '検出結果 1 件を');
    expect(writes()).toBe(before + 1);
  }, 60_000);
});
