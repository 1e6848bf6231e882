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
    // prod's failing control (EC2.19) in AWS: for the Re-check button to evaluate and for a Suppress
    // submitted with scope "whole control".
    state: {
      ...ownAccountState(PROD, TOKYO, { 'EC2.19': [{ id: `sg-${PROD}`, compliance: 'NON_COMPLIANT' }] }),
      startEvaluationMinIntervalMs: 0,
    },
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

/** A click on a Home tab button, signed as Slack sends it: from a view, with no channel and no message. */
async function clickInHome(user: string, actionId: string, value: string) {
  const payload = blockActionPayload({
    user,
    channel: 'D0HOME0001',
    message_ts: '0',
    action_id: actionId,
    value,
    response_url: h.slack.responseUrl(),
    trigger_id: h.slack.mintTriggerId(),
  });
  // Home tab clicks carry no response_url: the bot has to answer some other way.
  delete payload.message;
  delete payload.channel;
  delete payload.response_url;
  payload.container = { type: 'view', view_id: h.slack.homeView(user)?.id };
  const reply = await postToBot(h.url, interactionBody(payload), { secret: signingSecret });
  expect(reply.status).toBe(200);
}

function recheckButtons(user: string) {
  return (h.slack.homeView(user)?.blocks ?? [])
    .map(
      (b) => (b as { accessory?: { action_id?: string; value?: string; text?: { text: string } } }).accessory,
    )
    .filter((a) => a?.action_id === 'home_recheck');
}

describe('App Home Re-check button', () => {
  it("runs check on the account's failing controls in the account's channel and tells the clicker (in their language)", async () => {
    clock += 61_000;
    const before = await openHome(MEMBER);
    await eventually(() => h.slack.calls('views.publish').length > before, 30_000);
    const [button] = recheckButtons(MEMBER);
    expect(button?.value).toBe(`C0123456789:${PROD}`);
    expect(button?.text?.text).toBe('再チェック');
    const posted = h.slack.calls('chat.postMessage').length;
    const opened = h.slack.calls('views.open').length;
    h.aws.resetCalls();
    await clickInHome(MEMBER, 'home_recheck', button?.value as string);
    // The channel gets the placeholder, then the result in its place.
    const placeholder = await eventually(() => h.slack.calls('chat.postMessage')[posted], 30_000);
    expect(placeholder.args.channel).toBe('C0123456789');
    expect(JSON.stringify(placeholder.args.blocks)).toContain('EC2.19');
    const result = await eventually(
      () =>
        h.slack
          .calls('chat.update')
          .find(
            (c) =>
              c.args.ts === placeholder.response.ts && JSON.stringify(c.args.blocks).includes(`sg-${PROD}`),
          ),
      30_000,
    );
    expect(result.args.channel).toBe('C0123456789');
    // The clicker is told where, in Japanese (ja-JP), in a modal opened with the click's trigger.
    const notice = await eventually(() => h.slack.calls('views.open')[opened], 30_000);
    expect(notice.response.ok).toBe(true);
    const text = JSON.stringify(notice.args.view);
    expect(text).toContain('再チェックしています');
    expect(text).toContain('<#C0123456789>');
    // Evaluated in prod's configured Region only, as `check EC2.19 --account prod`.
    const starts = h.aws.calls().filter((c) => c.operation === 'StartConfigRulesEvaluation');
    expect(starts.length).toBeGreaterThan(0);
    expect(starts.every((c) => c.accountId === PROD && c.region === TOKYO)).toBe(true);
  });

  it('a second click while the first check runs is refused with "already running", in both languages', async () => {
    h.aws.setFaults({ latencyMs: 400, throttleRate: 0, errorRate: 0 });
    try {
      const updates = h.slack.calls('chat.update').length;
      const posted = h.slack.calls('chat.postMessage').length;
      const opened = h.slack.calls('views.open').length;
      await clickInHome(MEMBER, 'home_recheck', `C0123456789:${PROD}`);
      await eventually(() => h.slack.calls('chat.postMessage')[posted], 30_000);
      await clickInHome(MEMBER, 'home_recheck', `C0123456789:${PROD}`);
      const refusal = await eventually(
        () =>
          h.slack
            .calls('views.open')
            .slice(opened)
            .find((c) => JSON.stringify(c.args.view).includes('still running')),
        30_000,
      );
      expect(JSON.stringify(refusal.args.view)).toContain('まだ実行中');
      // Only the first check posted in the channel; it still finishes.
      await eventually(() => h.slack.calls('chat.update').length > updates, 30_000);
      expect(
        h.slack
          .calls('chat.postMessage')
          .slice(posted)
          .filter((c) => c.args.channel === 'C0123456789'),
      ).toHaveLength(1);
    } finally {
      h.aws.setFaults({ latencyMs: 0, throttleRate: 0, errorRate: 0 });
    }
  });

  it('is refused, with no post and no AWS call, for a channel the clicker is not in or an account not in that channel', async () => {
    for (const [user, value] of [
      [OTHER, `C0123456789:${PROD}`], // a forged value: OTHER is not in #security
      [OTHER, `C0DEVCHAN01:${PROD}`], // OTHER's channel, but prod is not one of its accounts
      [NOBODY, `C0DEVCHAN01:${DEV}`], // the right pair, but NOBODY is not a member
      [MEMBER, 'C0123456789:not-an-account'],
    ] as const) {
      h.aws.resetCalls();
      const posted = h.slack.calls('chat.postMessage').length;
      const opened = h.slack.calls('views.open').length;
      await clickInHome(user, 'home_recheck', value);
      const refusal = await eventually(() => h.slack.calls('views.open')[opened], 30_000);
      const text = JSON.stringify(refusal.args.view);
      expect(text).toContain('Nothing was checked');
      expect(text).toContain('チェックは実行していません');
      expect(h.slack.calls('chat.postMessage').length).toBe(posted);
      expect(h.aws.calls()).toHaveLength(0);
    }
  });

  it('an account with nothing failing in the history is not re-checked', async () => {
    const store = openSqliteStore({ path: h.storePath });
    // The next sweep of dev finds nothing failing: its failure is resolved.
    await store.recordSweep({
      at: '2026-11-29T00:00:00.000Z',
      day: '2026-11-29',
      scopes: [{ accountId: DEV, region: TOKYO }],
      severities: ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW'],
      failing: [],
      suppressed: [],
    });
    await store.close();
    h.aws.resetCalls();
    const opened = h.slack.calls('views.open').length;
    await clickInHome(OTHER, 'home_recheck', `C0DEVCHAN01:${DEV}`);
    const notice = await eventually(() => h.slack.calls('views.open')[opened], 30_000);
    expect(JSON.stringify(notice.args.view)).toContain('nothing to re-check');
    expect(h.aws.calls()).toHaveLength(0);
    // And its Home tab offers no Re-check for it.
    clock += 61_000;
    const before = await openHome(OTHER);
    await eventually(() => h.slack.calls('views.publish').length > before, 30_000);
    expect(recheckButtons(OTHER)).toHaveLength(0);
  });
});

/** A click on a Home tab Suppress button: from a view, not a message. Resolves with the modal opened. */
async function openSuppressFromHome(user: string, value: string, homeViewId: string | undefined) {
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
    const modal = await openSuppressFromHome(STRANGER, value, viewId);
    const shown = JSON.stringify(modal);
    expect(shown).toContain(refusal);
    expect(shown).not.toContain('suppress_submit');
    expect(writes()).toBe(before);
  });

  it('a member who left the channel between click and submit is refused at the submit; back in it, the same steps suppress', async () => {
    const { value, viewId } = await memberHomeButton();
    const before = writes();
    const form = await openSuppressFromHome(MEMBER, value, viewId);
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
    const again = await openSuppressFromHome(MEMBER, value, viewId);
    await submitSuppress(h, MEMBER, again, { reason: 'Bastion security group, by design', scope: 'control' });
    // MEMBER reads Japanese: "suppressed 1 finding until ...".
    await modalOutcome(h, String(again.id), '検出結果 1 件を');
    expect(writes()).toBe(before + 1);
  }, 60_000);
});
