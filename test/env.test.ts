import { describe, expect, it } from 'vitest';
import { parseSlackEnv } from '../src/env.ts';
import { runCliCaptured } from './helpers/cli.ts';

describe('Slack settings at start-up', () => {
  it('accepts HTTP mode and Socket Mode settings', () => {
    expect(
      parseSlackEnv({ SLACK_BOT_TOKEN: 'xoxb-1-2-abc', SLACK_SIGNING_SECRET: 'a1b2c3d4e5f60718293a' }),
    ).toMatchObject({
      PORT: 3000,
      FSBP_STORE_POOL_SIZE: 10,
      FSBP_CONCURRENCY: 8,
    });
    expect(
      parseSlackEnv({ SLACK_BOT_TOKEN: 'xoxb-1-2-abc', SLACK_APP_TOKEN: 'xapp-1-A1-2-abc' }).SLACK_APP_TOKEN,
    ).toBe('xapp-1-A1-2-abc');
  });

  it('names every missing or malformed variable and never echoes a value', () => {
    const attempt = (env: NodeJS.ProcessEnv) => {
      try {
        parseSlackEnv(env);
      } catch (error) {
        return (error as Error).message;
      }
      throw new Error('accepted');
    };
    expect(attempt({})).toContain('SLACK_BOT_TOKEN is not set');
    const bad = attempt({
      SLACK_BOT_TOKEN: 'xoxp-user-token-secret',
      SLACK_APP_TOKEN: 'oops-secret',
      PORT: 'http',
    });
    expect(bad).toContain('SLACK_BOT_TOKEN must be a bot token starting with xoxb-');
    expect(bad).toContain('SLACK_APP_TOKEN must be an app-level token starting with xapp-');
    expect(bad).toContain('PORT');
    expect(bad).not.toContain('secret');
    expect(attempt({ SLACK_BOT_TOKEN: 'xoxb-1-2-abc' })).toContain('SLACK_SIGNING_SECRET is not set');
  });

  it('stops `fsbp serve` with exit code 2 and the reason', async () => {
    const { code, stderr } = await runCliCaptured(['serve'], { SLACK_BOT_TOKEN: 'nope' });
    expect(code).toBe(2);
    expect(stderr).toContain('SLACK_BOT_TOKEN must be a bot token starting with xoxb-');
  });
});
