import { Agent, request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postToBot, signSlackRequest } from '../emulator/slack/signing.ts';
import { buildState } from '../helpers/aws-state.ts';
import { botToken, eventually, type Harness, signingSecret, startHarness } from '../helpers/bot.ts';

const PROD = '111111111111';
const TOKYO = 'ap-northeast-1';
const CHANNEL = 'C0123456789';

const config = {
  defaultLanguage: 'en',
  accounts: [
    {
      id: PROD,
      name: 'prod',
      roleArn: `arn:aws:iam::${PROD}:role/FsbpBotRole`,
      externalId: 'ext-123',
      regions: [TOKYO],
    },
    { id: '222222222222', name: 'staging', regions: [TOKYO] },
  ],
  channels: [{ id: CHANNEL, accounts: ['prod'] }],
};

const state = buildState([
  {
    id: PROD,
    role: { name: 'FsbpBotRole', externalId: 'ext-123' },
    regions: {
      [TOKYO]: {
        controls: {
          'S3.8': [
            { id: 'prod-<b>assets</b>', compliance: 'NON_COMPLIANT' },
            { id: 'prod-logs', compliance: 'COMPLIANT' },
          ],
        },
      },
    },
  },
]);

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ state: { ...state, startEvaluationMinIntervalMs: 0 }, config });
});
afterAll(() => h.stop());

function textOf(value: unknown): string {
  return JSON.stringify(value);
}

function responsesTo(url: string) {
  return h.slack.responses(url);
}

describe('/fsbp through the real Bolt receiver', () => {
  it('acknowledges /fsbp check S3 within 3 s, then posts the result in the channel', async () => {
    const before = h.slack.messages(CHANNEL).length;
    const reply = await h.slash('check S3', { user: 'U0EN00001' });
    expect(reply.status).toBe(200);
    expect(reply.ms).toBeLessThan(3000);
    const result = await eventually(() =>
      h.slack
        .messages(CHANNEL)
        .find((m) => textOf(m.blocks).includes('S3.8') && textOf(m.blocks).includes('Failing controls')),
    );
    expect(h.slack.messages(CHANNEL).length).toBe(before + 1);
    expect(result.edited).toBeDefined();
    // The resource name from AWS is escaped, not rendered as markup.
    expect(textOf(result.blocks)).toContain('prod-&lt;b&gt;assets&lt;/b&gt;');
    expect(textOf(result.blocks)).not.toContain('prod-<b>');
    const placeholder = h.slack.calls('chat.postMessage').find((c) => c.args.channel === CHANNEL);
    expect(textOf(placeholder?.args.text)).toContain('Checking S3');
  });

  it('explains a control in the language of the user’s Slack locale', async () => {
    const ja = await h.slash('explain s3.1', { user: 'U0JA00001' });
    const jaReply = await eventually(() => responsesTo(ja.responseUrl)[0]);
    expect(textOf(jaReply.body)).toContain(
      'S3 汎用バケットではブロックパブリックアクセス設定を有効にする必要があります',
    );
    expect(textOf(jaReply.body)).toContain('"response_type":"ephemeral"');
    const en = await h.slash('explain s3.1', { user: 'U0EN00001' });
    const enReply = await eventually(() => responsesTo(en.responseUrl)[0]);
    expect(textOf(enReply.body)).toContain(
      'S3 general purpose buckets should have block public access settings enabled',
    );
    expect(textOf(enReply.body)).not.toContain('ブロックパブリックアクセス');
  });

  it('remembers /fsbp lang for the next reply', async () => {
    const set = await h.slash('lang ja', { user: 'U0EN00001' });
    expect(textOf((await eventually(() => responsesTo(set.responseUrl)[0])).body)).toContain(
      '今後の返信はこの言語で表示します',
    );
    const next = await h.slash('explain EC2.19', { user: 'U0EN00001' });
    expect(textOf((await eventually(() => responsesTo(next.responseUrl)[0])).body)).toContain(
      'セキュリティグループ',
    );
    const both = await h.slash('lang both', { user: 'U0EN00001' });
    await eventually(() => responsesTo(both.responseUrl)[0]);
    const bilingual = await h.slash('explain EC2.19', { user: 'U0EN00001' });
    const body = textOf((await eventually(() => responsesTo(bilingual.responseUrl)[0])).body);
    expect(body.indexOf('セキュリティグループ')).toBeLessThan(
      body.indexOf('Security groups should not allow'),
    );
  });

  it('answers an empty or unknown subcommand with bilingual help and the closest match', async () => {
    const empty = await h.slash('');
    expect(textOf((await eventually(() => responsesTo(empty.responseUrl)[0])).body)).toContain('/fsbp check');
    const typo = await h.slash('chekc S3');
    const body = textOf((await eventually(() => responsesTo(typo.responseUrl)[0])).body);
    expect(body).toContain('Did you mean \\"check\\"?');
    expect(body).toContain('「check」のことですか');
  });

  it('refuses a channel without accounts and an account not linked to the channel, in both languages, to the asker only', async () => {
    const none = await h.slash('check S3', { channel: 'C0NOACCOUNT' });
    const noneReply = await eventually(() => responsesTo(none.responseUrl)[0]);
    expect(textOf(noneReply.body)).toContain('This channel has no AWS accounts');
    expect(textOf(noneReply.body)).toContain('AWS アカウントが設定されていません');
    expect(textOf(noneReply.body)).toContain('"response_type":"ephemeral"');
    expect(none.status).toBe(200);
    const other = await h.slash('check S3 --account staging');
    const refusal = await eventually(() => responsesTo(other.responseUrl)[0]);
    expect(textOf(refusal.body)).toContain('Accounts you can use here: prod');
    expect(textOf(refusal.body)).toContain('ここで使えるアカウント: prod');
    expect(other.status).toBe(200);
  });

  it('answers a 10,000-character argument and <!channel> safely', async () => {
    const long = await h.slash(`explain ${'x'.repeat(10_000)}`);
    expect(long.status).toBe(200);
    expect(textOf((await eventually(() => responsesTo(long.responseUrl)[0])).body)).toContain(
      'longer than 2000 characters',
    );
    const mention = await h.slash('explain <!channel><@U0EN00001>');
    const body = textOf((await eventually(() => responsesTo(mention.responseUrl)[0])).body);
    expect(body).toContain('&lt;!channel&gt;');
    expect(body).not.toContain('<!channel>');
    expect(body).not.toContain('<@U0EN00001>');
  });
});

describe('request verification', () => {
  async function send(headers: Record<string, string>, body: string) {
    const response = await fetch(h.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body,
    });
    return response.status;
  }

  it('answers forged, missing and stale signatures with 401 and runs nothing', async () => {
    const calls = h.slack.calls().length;
    const { requestBody } = {
      requestBody:
        'command=%2Ffsbp&text=check+S3&user_id=U0JA00001&channel_id=C0123456789&trigger_id=t1&response_url=http%3A%2F%2F127.0.0.1%2Fx',
    };
    const now = Math.floor(Date.now() / 1000);
    const forged = signSlackRequest(requestBody, 'not-the-secret', now);
    expect(await send({ ...forged }, requestBody)).toBe(401);
    expect(await send({}, requestBody)).toBe(401);
    const stale = signSlackRequest(requestBody, signingSecret, now - 6 * 60);
    expect(await send({ ...stale }, requestBody)).toBe(401);
    const tampered = signSlackRequest(requestBody, signingSecret, now);
    expect(await send({ ...tampered }, requestBody.replace('S3', 'all'))).toBe(401);
    await new Promise((r) => setTimeout(r, 300));
    expect(h.slack.calls().length).toBe(calls);
  });

  it('acknowledges a retried delivery of a handled request and does not run it twice', async () => {
    const first = await h.slash('explain S3.1');
    await eventually(() => responsesTo(first.responseUrl)[0]);
    const retry = await postToBot(h.url, first.requestBody, {
      secret: signingSecret,
      headers: { 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' },
    });
    expect(retry.status).toBe(200);
    await new Promise((r) => setTimeout(r, 500));
    expect(responsesTo(first.responseUrl)).toHaveLength(1);
  });

  it('never writes a token or the signing secret to its log', () => {
    const all = h.logs.join('\n');
    expect(h.logs.length).toBeGreaterThan(0);
    expect(all).not.toContain(botToken);
    expect(all).not.toContain(signingSecret);
    expect(all).not.toContain('example"'); // the AWS secret key
  });

  it('serves /healthz', async () => {
    const response = await fetch(h.url.replace('/slack/events', '/healthz'));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true });
  });

  it('keeps an idle connection open past Node’s default 5 s, as a load balancer reusing it expects', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const get = () =>
      new Promise<{ status: number; port: number }>((resolve, reject) => {
        const req = request(h.url.replace('/slack/events', '/healthz'), { agent }, (res) => {
          const port = res.socket.localPort ?? 0;
          res.resume();
          res.once('end', () => resolve({ status: res.statusCode ?? 0, port }));
        });
        req.once('error', reject);
        req.end();
      });
    try {
      const first = await get();
      await new Promise((resolve) => setTimeout(resolve, 6000));
      const second = await get();
      expect([first.status, second.status]).toEqual([200, 200]);
      // The same TCP connection: the bot did not close it while idle.
      expect(second.port).toBe(first.port);
    } finally {
      agent.destroy();
    }
  }, 15_000);

  it('serves /readyz: ready once the store answers with a current schema', async () => {
    const response = await fetch(h.url.replace('/slack/events', '/readyz'));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true });
  });
});
