import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { EMULATOR_IDS, type SlackEmulator, startSlackEmulator } from './server.ts';
import {
  ALICE,
  client,
  expectSlackError,
  GENERAL,
  OUTSIDE,
  SECRET_ROOM,
  SECURITY_TEAM,
  section,
  startTestEmulator,
  TARO,
  TOKEN,
  workspace,
} from './test-helpers.ts';

let em: SlackEmulator;
beforeAll(async () => {
  em = await startTestEmulator();
});
afterAll(async () => {
  await em.close();
});
beforeEach(() => {
  em.clearCalls();
});

async function rawCall(method: string, body: string, headers: Record<string, string>) {
  const res = await fetch(`${em.url}${method}`, { method: 'POST', headers, body });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

describe('auth and dispatch', () => {
  it('answers auth.test with the bot identity Bolt reads', async () => {
    // Act
    const res = await client(em).auth.test();
    // Assess
    expect(res).toMatchObject({
      ok: true,
      team_id: EMULATOR_IDS.teamId,
      user_id: EMULATOR_IDS.botUserId,
      bot_id: EMULATOR_IDS.botId,
      is_enterprise_install: false,
    });
    expect(em.calls('auth.test')[0]).toMatchObject({ method: 'auth.test', token: TOKEN, status: 200 });
  });

  it('answers not_authed without a token and invalid_auth with a wrong one', async () => {
    await expectSlackError(client(em, null).auth.test(), 'not_authed');
    await expectSlackError(client(em, 'xoxb-wrong').auth.test(), 'invalid_auth');
  });

  it('accepts the token as a form field, and JSON bodies with a Bearer header (warning missing_charset)', async () => {
    // Act
    const form = await rawCall('auth.test', `token=${TOKEN}`, {
      'content-type': 'application/x-www-form-urlencoded',
    });
    const json = await rawCall('chat.postMessage', JSON.stringify({ channel: GENERAL, text: 'json' }), {
      'content-type': 'application/json',
      authorization: `Bearer ${TOKEN}`,
    });
    const jsonBodyToken = await rawCall('auth.test', JSON.stringify({ token: TOKEN }), {
      'content-type': 'application/json; charset=utf-8',
    });
    // Assess
    expect(form).toMatchObject({ status: 200, json: { ok: true } });
    expect(json.json).toMatchObject({
      ok: true,
      warning: 'missing_charset',
      response_metadata: { warnings: ['missing_charset'] },
    });
    expect(jsonBodyToken.json).toEqual({ ok: false, error: 'not_authed' });
  });

  it('answers unknown_method for methods it does not serve', async () => {
    const data = await expectSlackError(client(em).apiCall('chat.nonsense', {}), 'unknown_method');
    expect(data.req_method).toBe('chat.nonsense');
  });

  it('records every call with decoded arguments', async () => {
    // Act
    await client(em).chat.postMessage({ channel: GENERAL, text: 'hi', blocks: [section('hi')] });
    // Assess
    const [call] = em.calls('chat.postMessage');
    expect(call?.args).toEqual({ channel: GENERAL, text: 'hi', blocks: [section('hi')] });
    expect(call?.token).toBe(TOKEN);
    expect(call?.response).toMatchObject({ ok: true, channel: GENERAL });
  });

  it('fails the next N calls of a method with an injected error', async () => {
    // Prepare
    em.fail('users.info', { error: 'fatal_error' }, 2);
    const web = client(em);
    // Act / Assess
    await expectSlackError(web.users.info({ user: ALICE }), 'fatal_error');
    await expectSlackError(web.users.info({ user: ALICE }), 'fatal_error');
    await expect(web.users.info({ user: ALICE })).resolves.toMatchObject({ ok: true });
  });
});

describe('chat.postMessage', () => {
  it('returns channel, a unique increasing ts and the message', async () => {
    // Act
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => client(em).chat.postMessage({ channel: GENERAL, text: `m${i}` })),
    );
    // Assess
    const ts = results.map((r) => r.ts ?? '');
    expect(new Set(ts).size).toBe(20);
    for (const t of ts) expect(t).toMatch(/^\d{10}\.\d{6}$/);
    const sorted = [...ts].sort();
    expect(em.calls('chat.postMessage').map((c) => c.response.ts)).toEqual(sorted);
    expect(results[0]?.message).toMatchObject({
      type: 'message',
      user: EMULATOR_IDS.botUserId,
      bot_id: EMULATOR_IDS.botId,
      text: 'm0',
    });
  });

  it('threads replies under the parent, also when replying to a reply', async () => {
    // Prepare
    const web = client(em);
    const parent = await web.chat.postMessage({ channel: GENERAL, text: 'parent' });
    // Act
    const r1 = await web.chat.postMessage({ channel: GENERAL, text: 'reply 1', thread_ts: parent.ts ?? '' });
    const r2 = await web.chat.postMessage({ channel: GENERAL, text: 'reply 2', thread_ts: r1.ts ?? '' });
    // Assess
    expect(r1.message?.thread_ts).toBe(parent.ts);
    expect(r2.message?.thread_ts).toBe(parent.ts);
    const history = em.messages(GENERAL);
    const thread = history.filter((m) => m.thread_ts === parent.ts);
    expect(thread.map((m) => m.text)).toEqual(['parent', 'reply 1', 'reply 2']);
    expect(history.find((m) => m.ts === parent.ts)).toMatchObject({ reply_count: 2, latest_reply: r2.ts });
  });

  it('answers channel_not_found, not_in_channel and no_text', async () => {
    const web = client(em);
    await expectSlackError(web.chat.postMessage({ channel: 'C0NOSUCH00', text: 'x' }), 'channel_not_found');
    await expectSlackError(web.chat.postMessage({ channel: SECRET_ROOM, text: 'x' }), 'not_in_channel');
    await expectSlackError(web.chat.postMessage({ channel: GENERAL, text: '' }), 'no_text');
  });

  it('posts to a public channel it has not joined only with chat:write.public', async () => {
    // Prepare
    const narrow = await startSlackEmulator(workspace({ scopes: ['chat:write'] }));
    try {
      // Act / Assess
      await expect(client(em).chat.postMessage({ channel: OUTSIDE, text: 'x' })).resolves.toMatchObject({
        ok: true,
      });
      await expectSlackError(
        client(narrow).chat.postMessage({ channel: OUTSIDE, text: 'x' }),
        'not_in_channel',
      );
      await expectSlackError(client(narrow).users.info({ user: ALICE }), 'missing_scope');
    } finally {
      await narrow.close();
    }
  });

  it('accepts a channel name and opens a DM for a user ID', async () => {
    const byName = await client(em).chat.postMessage({ channel: '#general', text: 'by name' });
    const dm = await client(em).chat.postMessage({ channel: TARO, text: 'dm' });
    expect(byName.channel).toBe(GENERAL);
    expect(dm.channel).toMatch(/^D/);
    expect(em.messages(dm.channel ?? '').map((m) => m.text)).toEqual(['dm']);
  });
});

describe('chat.update and chat.postEphemeral', () => {
  it('replaces text and blocks of an existing message', async () => {
    // Prepare
    const web = client(em);
    const posted = await web.chat.postMessage({
      channel: GENERAL,
      text: 'running',
      blocks: [section('running…')],
    });
    // Act
    const updated = await web.chat.update({
      channel: GENERAL,
      ts: posted.ts ?? '',
      text: 'done',
      blocks: [section('done')],
    });
    // Assess
    expect(updated).toMatchObject({ ok: true, channel: GENERAL, ts: posted.ts, text: 'done' });
    const stored = em.messages(GENERAL).find((m) => m.ts === posted.ts);
    expect(stored).toMatchObject({ text: 'done', blocks: [section('done')] });
    expect(stored?.edited?.user).toBe(EMULATOR_IDS.botUserId);
  });

  it('answers message_not_found for an unknown ts', async () => {
    await expectSlackError(
      client(em).chat.update({ channel: GENERAL, ts: '1000000000.000100', text: 'x' }),
      'message_not_found',
    );
  });

  it('gives a permalink for a message, and message_not_found for an unknown ts', async () => {
    const web = client(em);
    const posted = await web.chat.postMessage({ channel: GENERAL, text: 'link me' });
    const link = await web.chat.getPermalink({ channel: GENERAL, message_ts: posted.ts ?? '' });
    expect(link).toMatchObject({
      ok: true,
      channel: GENERAL,
      permalink: `https://${EMULATOR_IDS.teamDomain}.slack.com/archives/${GENERAL}/p${(posted.ts ?? '').replace('.', '')}`,
    });
    await expectSlackError(
      web.chat.getPermalink({ channel: GENERAL, message_ts: '1000000000.000100' }),
      'message_not_found',
    );
  });

  it('posts an ephemeral message that stays out of the channel history', async () => {
    // Act
    const res = await client(em).chat.postEphemeral({ channel: GENERAL, user: ALICE, text: 'only you' });
    // Assess
    expect(res.message_ts).toMatch(/^\d{10}\.\d{6}$/);
    expect(em.messages(GENERAL).some((m) => m.text === 'only you')).toBe(false);
    expect(em.ephemerals(GENERAL).at(-1)).toMatchObject({ user: ALICE, text: 'only you' });
    await expectSlackError(
      client(em).apiCall('chat.postEphemeral', { channel: GENERAL, text: 'x' }),
      'user_not_found',
    );
  });
});

describe('users, conversations, usergroups', () => {
  it('returns the locale only with include_locale', async () => {
    const web = client(em);
    const withLocale = await web.users.info({ user: TARO, include_locale: true });
    const without = await web.users.info({ user: TARO });
    expect(withLocale.user).toMatchObject({
      id: TARO,
      name: 'taro',
      locale: 'ja-JP',
      tz: 'Asia/Tokyo',
      tz_offset: 32400,
    });
    expect(without.user?.locale).toBeUndefined();
    await expectSlackError(web.users.info({ user: 'U0NOBODY00' }), 'user_not_found');
  });

  it('describes channels the bot can see', async () => {
    const web = client(em);
    const info = await web.conversations.info({ channel: GENERAL });
    expect(info.channel).toMatchObject({ id: GENERAL, name: 'general', is_private: false, is_member: true });
    await expectSlackError(web.conversations.info({ channel: SECRET_ROOM }), 'channel_not_found');
  });

  it('lists user group members', async () => {
    const web = client(em);
    await expect(web.usergroups.users.list({ usergroup: SECURITY_TEAM })).resolves.toMatchObject({
      users: [ALICE, TARO],
    });
    await expectSlackError(web.usergroups.users.list({ usergroup: 'S0NOSUCH00' }), 'no_such_subteam');
  });
});
