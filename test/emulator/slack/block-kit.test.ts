import type { KnownBlock, View } from '@slack/web-api';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BLOCK_LIMITS, type SlackEmulator } from './server.ts';
import {
  ALICE,
  client,
  expectSlackError,
  GENERAL,
  plain,
  quietLogger,
  section,
  startTestEmulator,
  TOKEN,
  text,
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

type Blocks = object[];

const divider = { type: 'divider' };
const button = (extra: Record<string, unknown> = {}) => ({
  type: 'button',
  text: plain('Suppress'),
  action_id: 'suppress',
  ...extra,
});
const actions = (...elements: Record<string, unknown>[]) => [{ type: 'actions', elements }];
const confirm = (over: Record<string, unknown> = {}) => ({
  title: plain('Sure?'),
  text: plain('This hides the finding.'),
  confirm: plain('Yes'),
  deny: plain('No'),
  ...over,
});
const many = <T>(n: number, make: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => make(i));

/** [name, blocks just inside the limit, blocks just over it, JSON pointer Slack names] */
const MESSAGE_CASES: [string, (n: number) => Blocks, number, string][] = [
  ['blocks per message', (n) => many(n, () => divider), BLOCK_LIMITS.blocksPerMessage, '/blocks'],
  ['section text', (n) => [section(text(n))], BLOCK_LIMITS.sectionText, '/blocks/0/text/text'],
  [
    'section fields',
    (n) => [{ type: 'section', fields: many(n, () => plain('f')) }],
    BLOCK_LIMITS.sectionFields,
    '/blocks/0/fields',
  ],
  [
    'section field text',
    (n) => [{ type: 'section', fields: [{ type: 'mrkdwn', text: text(n) }] }],
    BLOCK_LIMITS.fieldText,
    '/blocks/0/fields/0/text',
  ],
  [
    'header text',
    (n) => [{ type: 'header', text: plain(text(n)) }],
    BLOCK_LIMITS.headerText,
    '/blocks/0/text/text',
  ],
  [
    'context elements',
    (n) => [{ type: 'context', elements: many(n, () => ({ type: 'mrkdwn', text: 'c' })) }],
    BLOCK_LIMITS.contextElements,
    '/blocks/0/elements',
  ],
  [
    'actions elements',
    (n) => actions(...many(n, (i) => button({ action_id: `a${i}` }))),
    BLOCK_LIMITS.actionsElements,
    '/blocks/0/elements',
  ],
  [
    'button text',
    (n) => actions(button({ text: plain(text(n)) })),
    BLOCK_LIMITS.buttonText,
    '/blocks/0/elements/0/text/text',
  ],
  [
    'button value',
    (n) => actions(button({ value: text(n) })),
    BLOCK_LIMITS.buttonValue,
    '/blocks/0/elements/0/value',
  ],
  [
    'button url',
    (n) => actions(button({ url: `https://example.com/${text(n - 20)}` })),
    BLOCK_LIMITS.buttonUrl,
    '/blocks/0/elements/0/url',
  ],
  [
    'button action_id',
    (n) => actions(button({ action_id: text(n) })),
    BLOCK_LIMITS.actionId,
    '/blocks/0/elements/0/action_id',
  ],
  [
    'button accessibility_label',
    (n) => actions(button({ accessibility_label: text(n) })),
    BLOCK_LIMITS.accessibilityLabel,
    '/blocks/0/elements/0/accessibility_label',
  ],
  ['block_id', (n) => [{ ...divider, block_id: text(n) }], BLOCK_LIMITS.blockId, '/blocks/0/block_id'],
  [
    'confirm title',
    (n) => actions(button({ confirm: confirm({ title: plain(text(n)) }) })),
    BLOCK_LIMITS.confirmTitle,
    '/blocks/0/elements/0/confirm/title/text',
  ],
  [
    'confirm text',
    (n) => actions(button({ confirm: confirm({ text: { type: 'mrkdwn', text: text(n) } }) })),
    BLOCK_LIMITS.confirmText,
    '/blocks/0/elements/0/confirm/text/text',
  ],
  [
    'confirm button',
    (n) => actions(button({ confirm: confirm({ confirm: plain(text(n)) }) })),
    BLOCK_LIMITS.confirmButton,
    '/blocks/0/elements/0/confirm/confirm/text',
  ],
  [
    'confirm deny',
    (n) => actions(button({ confirm: confirm({ deny: plain(text(n)) }) })),
    BLOCK_LIMITS.confirmButton,
    '/blocks/0/elements/0/confirm/deny/text',
  ],
];

async function post(blocks: Blocks) {
  return client(em).chat.postMessage({
    channel: GENERAL,
    text: 'fallback',
    blocks: blocks as unknown as KnownBlock[],
  });
}

function lastMessages(): string[] {
  const res = em.calls('chat.postMessage').at(-1)?.response as {
    response_metadata?: { messages?: string[] };
  };
  return res.response_metadata?.messages ?? [];
}

describe('Block Kit limits on messages', () => {
  it.each(MESSAGE_CASES)(
    '%s: %i is fine, one more is invalid_blocks',
    async (_name, build, limit, pointer) => {
      // Act / Assess: just inside
      await expect(post(build(limit))).resolves.toMatchObject({ ok: true });
      // Act / Assess: just over
      await expectSlackError(post(build(limit + 1)), 'invalid_blocks');
      expect(lastMessages()).toContainEqual(expect.stringContaining(`[json-pointer:${pointer}]`));
    },
  );

  it('names the failing block like Slack: oneOf failure, then the specific reason', async () => {
    await expectSlackError(post([divider, section(text(3001))]), 'invalid_blocks');
    expect(lastMessages()).toEqual([
      '[ERROR] failed to match all allowed schemas [json-pointer:/blocks/1/text]',
      '[ERROR] must be less than 3001 characters [json-pointer:/blocks/1/text/text]',
    ]);
  });

  it('rejects empty section text, duplicate block_ids and unknown block types', async () => {
    await expectSlackError(post([section('')]), 'invalid_blocks');
    expect(lastMessages()).toContainEqual(expect.stringContaining('[json-pointer:/blocks/0/text/text]'));
    await expect(
      post([
        { ...divider, block_id: 'a' },
        { ...divider, block_id: 'b' },
      ]),
    ).resolves.toMatchObject({
      ok: true,
    });
    await expectSlackError(
      post([
        { ...divider, block_id: 'a' },
        { ...divider, block_id: 'a' },
      ]),
      'invalid_blocks',
    );
    expect(lastMessages()).toContainEqual(expect.stringContaining('[json-pointer:/blocks/1/block_id]'));
    await expectSlackError(post([{ type: 'sections', text: plain('x') }]), 'invalid_blocks');
    expect(lastMessages()).toEqual(['[ERROR] unsupported type: sections [json-pointer:/blocks/0/type]']);
  });

  it(`answers msg_blocks_too_long above ${BLOCK_LIMITS.messageBlocksText} characters of block text (a guess)`, async () => {
    const blocks = (last: number) => [...many(4, () => section(text(3000))), section(text(last))];
    await expect(post(blocks(1000))).resolves.toMatchObject({ ok: true });
    await expectSlackError(post(blocks(1001)), 'msg_blocks_too_long');
  });

  it('validates chat.update and chat.postEphemeral the same way', async () => {
    const web = client(em);
    const posted = await web.chat.postMessage({ channel: GENERAL, text: 'x' });
    await expectSlackError(
      web.chat.update({ channel: GENERAL, ts: posted.ts ?? '', text: 'x', blocks: [section(text(3001))] }),
      'invalid_blocks',
    );
    await expectSlackError(
      web.chat.postEphemeral({ channel: GENERAL, user: ALICE, text: 'x', blocks: [section('')] }),
      'invalid_blocks',
    );
  });

  it('warns when blocks come without top-level text (and WebClient logs it)', async () => {
    // Prepare
    const logger = quietLogger();
    // Act
    const res = await client(em, null, { logger }).apiCall('chat.postMessage', {
      token: TOKEN,
      channel: GENERAL,
      blocks: [section('no fallback')],
    });
    // Assess
    expect(res.response_metadata?.warnings).toEqual(['missing_text_or_fallback_or_attachments']);
    expect(logger.lines.filter((l) => l.level === 'warn').map((l) => l.text)).toContainEqual(
      expect.stringMatching(/^missing_text_or_fallback_or_attachments\b/),
    );
  });
});

function modal(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    type: 'modal',
    title: plain('Suppress'),
    submit: plain('Save'),
    close: plain('Cancel'),
    blocks: [],
    ...extra,
  };
}
const textInput = (extra: Record<string, unknown>) => ({
  type: 'input',
  block_id: 'reason',
  label: plain('Reason'),
  element: { type: 'plain_text_input', action_id: 'value', ...extra },
});

/** [name, view just inside, view just over, pointer]; views.* answer invalid_arguments, as Slack does. */
const VIEW_CASES: [string, () => Record<string, unknown>, () => Record<string, unknown>, string][] = [
  [
    'blocks per modal',
    () => modal({ blocks: many(BLOCK_LIMITS.blocksPerView, () => divider) }),
    () => modal({ blocks: many(BLOCK_LIMITS.blocksPerView + 1, () => divider) }),
    '/view/blocks',
  ],
  [
    'title',
    () => modal({ title: plain(text(24)) }),
    () => modal({ title: plain(text(25)) }),
    '/view/title/text',
  ],
  [
    'submit',
    () => modal({ submit: plain(text(24)) }),
    () => modal({ submit: plain(text(25)) }),
    '/view/submit/text',
  ],
  [
    'close',
    () => modal({ close: plain(text(24)) }),
    () => modal({ close: plain(text(25)) }),
    '/view/close/text',
  ],
  [
    'private_metadata',
    () => modal({ private_metadata: text(3000) }),
    () => modal({ private_metadata: text(3001) }),
    '/view/private_metadata',
  ],
  [
    'callback_id',
    () => modal({ callback_id: text(255) }),
    () => modal({ callback_id: text(256) }),
    '/view/callback_id',
  ],
  [
    'submit required with an input block',
    () => modal({ blocks: [textInput({})] }),
    () => modal({ submit: undefined, blocks: [textInput({})] }),
    '/view/blocks/0/input',
  ],
  [
    'plain_text_input max_length upper bound',
    () => modal({ blocks: [textInput({ max_length: 3000 })] }),
    () => modal({ blocks: [textInput({ max_length: 3001 })] }),
    '/view/blocks/0/element/max_length',
  ],
  [
    'plain_text_input max_length lower bound',
    () => modal({ blocks: [textInput({ max_length: 1 })] }),
    () => modal({ blocks: [textInput({ max_length: 0 })] }),
    '/view/blocks/0/element/max_length',
  ],
  [
    'plain_text_input min_length upper bound',
    () => modal({ blocks: [textInput({ min_length: 3000 })] }),
    () => modal({ blocks: [textInput({ min_length: 3001 })] }),
    '/view/blocks/0/element/min_length',
  ],
  [
    'plain_text_input min_length lower bound',
    () => modal({ blocks: [textInput({ min_length: 0 })] }),
    () => modal({ blocks: [textInput({ min_length: -1 })] }),
    '/view/blocks/0/element/min_length',
  ],
];

describe('Block Kit limits on modals', () => {
  it.each(VIEW_CASES)(
    '%s: inside is fine, just over is invalid_arguments',
    async (_name, inside, over, pointer) => {
      const web = client(em);
      await expect(
        web.views.open({ trigger_id: em.mintTriggerId(), view: inside() as unknown as View }),
      ).resolves.toMatchObject({
        ok: true,
      });
      const data = await expectSlackError(
        web.views.open({ trigger_id: em.mintTriggerId(), view: over() as unknown as View }),
        'invalid_arguments',
      );
      expect((data.response_metadata as { messages: string[] }).messages).toContainEqual(
        expect.stringContaining(`[json-pointer:${pointer}]`),
      );
    },
  );
});
