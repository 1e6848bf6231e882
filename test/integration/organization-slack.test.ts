import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, type Harness, startHarness } from '../helpers/bot.ts';
import {
  fillers,
  organizationConfig,
  orgState,
  PAY_DEV,
  PAY_PROD,
  PAYMENTS,
  PLAY,
  SANDBOX,
  WEB,
} from '../helpers/org-state.ts';

const PAYMENTS_CHANNEL = 'C0PAYMENTS1';
const SANDBOX_CHANNEL = 'C0SANDBOX01';

const config = {
  defaultLanguage: 'en',
  organization: organizationConfig('organizations'),
  channels: [
    { id: PAYMENTS_CHANNEL, accounts: [PAYMENTS] },
    { id: SANDBOX_CHANNEL, accounts: [SANDBOX] },
  ],
};

let h: Harness;
beforeAll(async () => {
  h = await startHarness({
    state: orgState(),
    config,
    channels: {
      [PAYMENTS_CHANNEL]: { name: 'payments', member: true },
      [SANDBOX_CHANNEL]: { name: 'sandbox', member: true },
    },
  });
});
afterAll(() => h.stop());

async function reply(text: string, channel = PAYMENTS_CHANNEL): Promise<string> {
  const sent = await h.slash(text, { user: 'U0EN00001', channel });
  const answer = await eventually(() => h.slack.responses(sent.responseUrl)[0]);
  return JSON.stringify(answer.body);
}

describe('/fsbp accounts and account selectors in Slack, organization mode', () => {
  it('shows the channel its own accounts only, with the selector that matched', async () => {
    const body = await reply('accounts');
    expect(body).toContain('Payments Prod');
    expect(body).toContain(PAY_DEV);
    expect(body).toContain(`${PAYMENTS} (Payments)`);
    for (const other of [PLAY, WEB, fillers[0] as string, 'Playground', 'Web'])
      expect(body).not.toContain(other);
    const sandbox = await reply('accounts', SANDBOX_CHANNEL);
    expect(sandbox).toContain('Playground');
    expect(sandbox).not.toContain(PAY_PROD);
  });

  it("refuses another channel's list and a discovery from Slack, showing nothing of them", async () => {
    const other = await reply(`accounts --channel ${SANDBOX_CHANNEL}`);
    expect(other).toContain("only this channel's accounts");
    expect(other).not.toContain('Playground');
    const refresh = await reply('accounts --refresh');
    expect(refresh).toContain('--refresh runs in the terminal');
  });

  it("resolves check selectors within the channel's accounts: another channel's OU is unknown here", async () => {
    const body = await reply(`check S3.8 --account ${SANDBOX}`);
    expect(body).toContain('Unknown account');
    expect(body).toContain('Payments Prod');
    expect(body).not.toContain('Playground');
    expect(body).not.toContain('Filler');
  });

  it('discovered once at start-up; a restart reads the saved list and makes no Organizations call', async () => {
    h.aws.resetCalls();
    await h.restart(config);
    const body = await reply('accounts');
    expect(body).toContain('Payments Prod');
    expect(h.aws.calls().filter((c) => c.service === 'organizations')).toEqual([]);
  });
});
