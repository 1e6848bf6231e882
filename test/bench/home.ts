/**
 * App Home benchmark: a viewer who may see 20 accounts (20 channels, one account each, 12 weeks of
 * daily counts and 30 open failures per account). Time from posting a signed `app_home_opened` to
 * the bot's `views.publish` reaching the Slack emulator, over 100 opens: warm (channel membership
 * cached; a different viewer each time, so each open is rebuilt: history read, chart rendered and
 * uploaded, view published) and cold (membership cache expired: 20 conversations.members calls
 * first). Bot, Slack emulator and AWS emulator run in this process, on loopback.
 */
import { openSqliteStore } from '../../src/store/sqlite.ts';
import { eventCallbackPayload, postToBot } from '../emulator/slack/signing.ts';
import { ownAccountState } from '../helpers/aws-state.ts';
import { eventually, signingSecret, startHarness } from '../helpers/bot.ts';

const accounts = 20;
const opens = 100;
const dayMs = 86_400_000;

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

export async function benchHome() {
  const ids = Array.from({ length: accounts }, (_, i) => String(400000000000 + i));
  const channelIds = ids.map((_, i) => `C0HOME${String(i).padStart(5, '0')}`);
  const viewers = Array.from({ length: opens * 2 }, (_, i) => `U0V${String(i).padStart(7, '0')}`);
  let clock = Date.parse('2026-11-30T01:00:00.000Z');
  const h = await startHarness({
    state: ownAccountState(ids[0] as string, 'ap-northeast-1', {}),
    config: {
      accounts: ids.map((id) => ({ id, regions: ['ap-northeast-1'] })),
      channels: ids.map((id, i) => ({ id: channelIds[i], accounts: [id] })),
    },
    now: () => clock,
    users: Object.fromEntries(viewers.map((v) => [v, { name: v, locale: 'ja-JP' }])),
    channels: Object.fromEntries(channelIds.map((c) => [c, { name: c.toLowerCase(), members: viewers }])),
    env: { LOG_LEVEL: 'warn' },
  });
  const store = openSqliteStore({ path: h.storePath });
  const severities = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW'];
  for (let day = 83; day >= 0; day--) {
    const at = clock - day * dayMs;
    await store.recordSweep({
      at: new Date(at).toISOString(),
      day: new Date(at + 9 * 3_600_000).toISOString().slice(0, 10),
      scopes: ids.map((accountId) => ({ accountId, region: 'ap-northeast-1' })),
      severities,
      failing: ids.flatMap((accountId) =>
        Array.from({ length: 30 - Math.floor(day / 7) }, (_, k) => ({
          findingId: `arn:aws:securityhub:ap-northeast-1:${accountId}:security-control/S3.8/finding/${k}`,
          accountId,
          region: 'ap-northeast-1',
          controlId: 'S3.8',
          severity: severities[k % 4] as string,
          firstObservedAt: null,
        })),
      ),
      suppressed: [],
    });
  }
  await store.close();

  async function open(viewer: string): Promise<number> {
    const before = h.slack.calls('views.publish').length;
    const started = Date.now();
    const reply = await postToBot(
      h.url,
      eventCallbackPayload({
        event: { type: 'app_home_opened', user: viewer, channel: 'D0HOME0001', tab: 'home' },
      }),
      { secret: signingSecret },
    );
    if (reply.status !== 200) throw new Error(`app_home_opened answered ${reply.status}`);
    await eventually(() => h.slack.calls('views.publish').length > before, 30_000);
    const call = h.slack.calls('views.publish').at(-1);
    if (!call?.response.ok) throw new Error(`views.publish failed: ${JSON.stringify(call?.response)}`);
    return (call.at as number) - started;
  }

  try {
    // One open to load the chart library and the font, not counted.
    await open(viewers[0] as string);
    const warm: number[] = [];
    for (let i = 1; i <= opens; i++) warm.push(await open(viewers[i] as string));
    const cold: number[] = [];
    for (let i = 1; i <= opens; i++) {
      clock += 6 * 60_000; // past the membership cache
      cold.push(await open(viewers[opens + i - 1] as string));
    }
    const view = h.slack.homeView(viewers[1] as string);
    const summary = (values: number[]) => ({ median: percentile(values, 50), p99: percentile(values, 99) });
    return {
      name: 'home',
      setup: { accounts, opens, blocks: view?.blocks.length },
      warmMs: summary(warm),
      coldMs: summary(cold),
      conversationsMembersCalls: h.slack.calls('conversations.members').length,
    };
  } finally {
    await h.stop();
  }
}
