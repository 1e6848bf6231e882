import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoredMessage } from '../emulator/slack/server.ts';
import {
  blockActionPayload,
  interactionBody,
  postToBot,
  type ViewStateInput,
  viewSubmissionPayload,
} from '../emulator/slack/signing.ts';
import { ownAccountState } from '../helpers/aws-state.ts';
import { eventually, type Harness, signingSecret, startHarness } from '../helpers/bot.ts';
import { runCliCaptured } from '../helpers/cli.ts';
import { hostileStrings, hostileValues, liveMarkup } from './corpus.ts';

/**
 * The hostile corpus through every surface of the running bot: finding fields in Security Hub,
 * slash command text, the Suppress modal's state, the CSV export and terminal output, the config.
 * What reaches Slack is read back from the emulator and every rendered text field is scanned.
 */
const PROD = '111111111111';
const TOKYO = 'ap-northeast-1';
const CHANNEL = 'C0123456789';
const TARO = 'U0JA00001';
const evilControlId = '<https://evil.example|S3.1 – re-authenticate>';
const japanese = /[\u3040-\u30ff]/;
/** What a terminal acts on besides a line feed. */
const actionable = /[\p{Cc}\u202A-\u202E\u2066-\u2069]/u;

interface Finding {
  Id: string;
  Title?: string;
  GeneratorId?: string;
  AwsAccountId?: string;
  Region?: string;
  Resources: { Id: string }[];
  Note?: { Text: string; UpdatedBy: string; UpdatedAt: string };
  ProductFields?: Record<string, string>;
  Compliance: { Status: string; SecurityControlId?: string };
}

/** One failing S3.8 finding per hostile string in its Title, resource ID and note, plus forged ones. */
function hostileState() {
  const state = ownAccountState(PROD, TOKYO, {
    'S3.8': hostileValues.map((_, i) => ({ id: `bucket-${i}`, compliance: 'NON_COMPLIANT' as const })),
  });
  const region = (
    state as unknown as { accounts: Record<string, { regions: Record<string, { findings: Finding[] }> }> }
  ).accounts[PROD]?.regions[TOKYO] as { findings: Finding[] };
  region.findings.forEach((f, i) => {
    const value = hostileValues[i] as string;
    f.Title = value;
    (f.Resources[0] as { Id: string }).Id = value;
    f.Note = { Text: value, UpdatedBy: value, UpdatedAt: '2026-11-01T00:00:00.000Z' };
  });
  const template = region.findings[0] as Finding;
  // Imported by someone with BatchImportFindings: a control ID that is a link, in both formats' fields.
  region.findings.push({
    ...structuredClone(template),
    Id: `${template.Id}-forged`,
    GeneratorId: `aws-foundational-security-best-practices/v/1.0.0/${evilControlId}`,
    ProductFields: { ControlId: evilControlId },
    Compliance: { Status: 'FAILED' },
    Resources: [{ Id: 'arn:aws:s3:::forged' }],
  });
  // A Region field that is a mention: Security Hub's own Region filter leaves it out. (An account ID
  // other than the account's own is refused at import, by Security Hub and the emulator alike.)
  region.findings.push({
    ...structuredClone(template),
    Id: `${template.Id}-elsewhere`,
    Region: hostileStrings.hereMention as string,
    Resources: [{ Id: 'arn:aws:s3:::elsewhere-bucket' }],
  });
  return { ...state, startEvaluationMinIntervalMs: 0 };
}

let h: Harness;
beforeAll(async () => {
  h = await startHarness({
    state: hostileState(),
    config: {
      defaultLanguage: 'both',
      accounts: [{ id: PROD, name: 'prod', regions: [TOKYO] }],
      channels: [{ id: CHANNEL, accounts: ['prod'], digest: { language: 'both', minSeverity: 'LOW' } }],
      suppression: { allowedUsers: [TARO], maxDays: 90, minReasonLength: 10 },
    },
    env: { FSBP_AWS_MAX_ATTEMPTS: '2' },
  });
}, 60_000);
afterAll(() => h?.stop());

/** Every message, update, view and response_url post the bot sent to Slack so far. */
function everythingSent(): unknown[] {
  const methods = [
    'chat.postMessage',
    'chat.update',
    'chat.postEphemeral',
    'views.open',
    'views.update',
    'views.push',
  ];
  return [
    ...methods.flatMap((m) => h.slack.calls(m).map((c) => ({ method: m, args: c.args }))),
    ...h.slack.responses().map((r) => r.body),
  ];
}

function expectNoLiveMarkup() {
  const live = liveMarkup(everythingSent());
  expect(live.map((l) => `${l.path}: ${l.text.slice(0, 120)}`)).toEqual([]);
}

/** Where an answer can appear besides the response_url: an ephemeral, or a channel message (a check's). */
function outputs() {
  return { ephemerals: h.slack.ephemerals(CHANNEL).length, updates: h.slack.calls('chat.update').length };
}
function newOutput(before: ReturnType<typeof outputs>): unknown {
  return h.slack.ephemerals(CHANNEL)[before.ephemerals] ?? h.slack.calls('chat.update')[before.updates]?.args;
}

async function botStillAnswers() {
  const reply = await h.slash('help');
  expect(reply.status).toBe(200);
  const answer = await eventually(() => h.slack.responses(reply.responseUrl)[0]);
  expect(JSON.stringify(answer.body)).toContain('fsbp');
}

const replies = (parent: StoredMessage) =>
  h.slack.messages(CHANNEL).filter((m) => m.thread_ts === parent.ts && m.ts !== parent.ts);

async function click(message: StoredMessage) {
  const button = (message.blocks as { elements?: { action_id?: string; value?: string }[] }[])
    .flatMap((b) => b.elements ?? [])
    .find((e) => e.action_id === 'suppress_open');
  const opened = h.slack.calls('views.open').length;
  const payload = blockActionPayload({
    user: TARO,
    channel: CHANNEL,
    message_ts: message.ts,
    action_id: 'suppress_open',
    value: button?.value ?? '',
    trigger_id: h.slack.mintTriggerId(),
    response_url: h.slack.responseUrl({ channel: CHANNEL }),
  });
  expect((await postToBot(h.url, interactionBody(payload), { secret: signingSecret })).status).toBe(200);
  const call = await eventually(() => h.slack.calls('views.open')[opened]);
  return (call.response as { view: Record<string, unknown> }).view;
}

async function submit(view: Record<string, unknown>, values: Record<string, Record<string, ViewStateInput>>) {
  const payload = viewSubmissionPayload({
    user: TARO,
    callback_id: 'suppress_submit',
    private_metadata: String(view.private_metadata),
    values,
    view_id: String(view.id),
    view,
  });
  const reply = await postToBot(h.url, interactionBody(payload), { secret: signingSecret });
  expect(reply.status).toBe(200);
  return reply.body ? (JSON.parse(reply.body) as Record<string, unknown>) : {};
}

const form = (
  reason: string,
  days = '30',
  scope = 'resource',
): Record<string, Record<string, ViewStateInput>> => ({
  reason: { value: reason },
  expiry: {
    value: {
      type: 'static_select',
      selected_option: { value: days, text: { type: 'plain_text', text: days } },
    },
  },
  date: { value: { type: 'datepicker', selected_date: null } },
  scope: { value: { type: 'radio_buttons', selected_option: { value: scope } } },
});

let parent: StoredMessage;
let s3Reply: StoredMessage;
let unknownReply: StoredMessage;

describe('hostile finding fields in a digest', () => {
  it('are posted as text: no mention, no link, the forged control ID never shown', async () => {
    const reply = await h.slash('digest now');
    await eventually(() => h.slack.responses(reply.responseUrl)[0], 30_000);
    parent = h.slack
      .messages(CHANNEL)
      .find((m) => JSON.stringify(m.blocks).includes('FSBP')) as StoredMessage;
    expect(parent).toBeDefined();
    const all = replies(parent);
    s3Reply = all.find((m) => JSON.stringify(m.blocks).includes('] S3.8*')) as StoredMessage;
    unknownReply = all.find((m) => JSON.stringify(m.blocks).includes('] UNKNOWN*')) as StoredMessage;
    expect(s3Reply).toBeDefined();
    expect(unknownReply).toBeDefined();
    expect(JSON.stringify(unknownReply.blocks)).toContain('does not recognize');
    expect(JSON.stringify(everythingSent())).not.toContain('evil.example|S3.1');
    // A finding of another Region (its field a mention) is never read, so never shown.
    expect(JSON.stringify(h.slack.messages(CHANNEL))).not.toContain('elsewhere-bucket');
    expectNoLiveMarkup();
    await botStillAnswers();
  });
});

describe('the Suppress modal', () => {
  it('shows hostile resource IDs and the unknown control as text', async () => {
    await click(s3Reply);
    const forged = await click(unknownReply);
    expect(JSON.stringify(forged)).not.toContain('evil.example');
    expectNoLiveMarkup();
  });

  it('refuses hostile form state inline and keeps answering', async () => {
    const view = await click(s3Reply);
    const tooLong = await submit(view, form(hostileStrings.huge as string));
    expect(tooLong.response_action).toBe('errors');
    const badChoices = await submit(view, form('A long enough reason here', '<!channel>', '<@U0123ABC>'));
    expect(badChoices.response_action).toBe('errors');
    // A forged item key in the view's metadata: a refusal, never the key shown as markup.
    for (const key of [
      hostileStrings.link,
      hostileStrings.sql,
      hostileStrings.loneHighSurrogate,
    ] as string[]) {
      const forged = await submit({ ...view, private_metadata: key }, form('A long enough reason here'));
      expect(['update', 'errors']).toContain(forged.response_action);
      expect(liveMarkup(forged)).toEqual([]);
    }
    expect(h.aws.calls().filter((c) => c.operation === 'BatchUpdateFindings')).toHaveLength(0);
    expectNoLiveMarkup();
    await botStillAnswers();
  });

  it('a hostile reason is stored as typed and shown as text everywhere it appears', async () => {
    const view = await click(s3Reply);
    const reason = `=HYPERLINK("https://evil.example","x") <!channel> <@U0123ABC> \u202Eevil\u202C \u200B \uD800 &lt;`;
    const answer = await submit(view, form(reason));
    expect(answer.response_action).toBe('update');
    await eventually(
      () => h.slack.calls('chat.update').some((c) => JSON.stringify(c.args).includes('HYPERLINK')),
      30_000,
    );
    expectNoLiveMarkup();
  });
});

describe('hostile slash command text', () => {
  it.each(Object.entries(hostileStrings))(
    '%s: answered with text only, a bilingual error, and the bot goes on',
    async (_name, value) => {
      for (const text of [value, `check ${value}`, `explain ${value}`, `unsuppress ${value}`]) {
        const before = outputs();
        const reply = await h.slash(text);
        expect(reply.status).toBe(200);
        const answer = await eventually(
          () => h.slack.responses(reply.responseUrl)[0]?.body ?? newOutput(before),
          20_000,
        );
        const shown = JSON.stringify(answer);
        expect(shown).toMatch(japanese);
        expect(shown).toMatch(/[A-Za-z]{4}/);
        expect(liveMarkup(answer)).toEqual([]);
      }
      expectNoLiveMarkup();
    },
  );

  it('the bot still answers after the whole corpus', botStillAnswers);
});

describe('the terminal and the CSV export', () => {
  const cli = (args: string[], env: Record<string, string> = {}) =>
    runCliCaptured(args, {
      ...process.env,
      FSBP_STORE: h.storePath,
      FSBP_CONFIG: h.storePath.replace('fsbp.db', 'fsbp.config.yaml'),
      LANG: 'C',
      ...env,
    });

  it('lists the hostile reason inert in text, and as an inert formula in CSV', async () => {
    const listed = await cli(['suppressions', '--all']);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain('HYPERLINK');
    expect(actionable.test(listed.stdout.replaceAll('\n', ''))).toBe(false);
    const csv = await cli(['suppressions', '--all', '--csv']);
    expect(csv.code).toBe(0);
    expect(csv.stdout).toContain(`"'=HYPERLINK(`);
    expect(csv.stdout).not.toMatch(/(^|,)"?[=+@]/m);
    expect(actionable.test(csv.stdout.replaceAll('\r\n', '').replaceAll('\n', ''))).toBe(false);
  });

  it('a config with YAML tags and hostile names is refused with exit 2, bilingual, nothing executed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fsbp-hostile-'));
    const path = join(dir, 'fsbp.config.yaml');
    writeFileSync(
      path,
      [
        'defaultLanguage: !!js/function "function () { process.exit(9) }"',
        'accounts:',
        '  - id: !!binary MTExMTExMTExMTEx',
        `    name: "\\e[31m<!channel>\\u202e'; DROP TABLE suppressions; --"`,
        '    regions: [ap-northeast-1]',
        'channels: &loop',
        '  - id: C0123456789',
        '    accounts: *loop',
      ].join('\n'),
    );
    const run = await runCliCaptured(['check', 'S3'], { ...process.env, FSBP_CONFIG: path, LANG: 'C' });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(japanese);
    expect(run.stderr).toContain('accounts[0].name');
    expect(actionable.test(run.stderr.replaceAll('\n', ''))).toBe(false);
    expect(run.stderr).not.toContain('<!channel>');
  });
});
