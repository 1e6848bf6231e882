// Block Kit validation as Slack's Web API does it: limits from platform-facts §13 and @slack/types, errors
// reported as `[ERROR] <reason> [json-pointer:<path>]` lines for `response_metadata.messages`.
// Kept apart from src/slack/limits.ts on purpose, so the bot's limits are checked against an independent copy.

export const BLOCK_LIMITS = {
  blocksPerMessage: 50,
  blocksPerView: 100,
  blockId: 255,
  sectionText: 3000,
  sectionFields: 10,
  fieldText: 2000,
  headerText: 150,
  contextElements: 10,
  actionsElements: 25,
  markdownText: 12_000,
  inputLabel: 2000,
  inputHint: 2000,
  imageUrl: 3000,
  altText: 2000,
  buttonText: 75,
  buttonValue: 2000,
  buttonUrl: 3000,
  accessibilityLabel: 75,
  actionId: 255,
  placeholder: 150,
  optionText: 75,
  optionValue: 150,
  optionDescription: 75,
  selectOptions: 100,
  checkboxOptions: 10,
  confirmTitle: 100,
  confirmText: 300,
  confirmButton: 30,
  textInputMax: 3000,
  viewTitle: 24,
  viewButton: 24,
  privateMetadata: 3000,
  callbackId: 255,
  externalId: 255,
  /**
   * GUESS: Slack's undocumented cumulative limit (`msg_blocks_too_long`). bolt-js#2509 measured 13,297 characters
   * of markdown blocks (less with a divider). We count every `text` string inside the blocks and reject above this.
   */
  messageBlocksText: 13_000,
} as const;

const BLOCK_TYPES = new Set([
  'section',
  'header',
  'divider',
  'context',
  'actions',
  'input',
  'image',
  'rich_text',
  'markdown',
  'file',
  'video',
]);

const SELECTS = [
  'static_select',
  'external_select',
  'users_select',
  'conversations_select',
  'channels_select',
  'multi_static_select',
  'multi_external_select',
  'multi_users_select',
  'multi_conversations_select',
  'multi_channels_select',
];
const ACTIONS_ELEMENTS = new Set([
  'button',
  'checkboxes',
  'datepicker',
  'datetimepicker',
  'overflow',
  'radio_buttons',
  'timepicker',
  'workflow_button',
  'rich_text_input',
  ...SELECTS,
]);
const ACCESSORY_ELEMENTS = new Set([
  'button',
  'checkboxes',
  'datepicker',
  'image',
  'overflow',
  'radio_buttons',
  'timepicker',
  'workflow_button',
  ...SELECTS,
]);
const INPUT_ELEMENTS = new Set([
  'checkboxes',
  'datepicker',
  'datetimepicker',
  'email_text_input',
  'file_input',
  'number_input',
  'plain_text_input',
  'radio_buttons',
  'rich_text_input',
  'timepicker',
  'url_text_input',
  ...SELECTS,
]);

type Json = Record<string, unknown>;

/** Collects `[ERROR] … [json-pointer:…]` lines. */
class Report {
  readonly messages: string[] = [];
  error(reason: string, pointer: string): void {
    this.messages.push(`[ERROR] ${reason} [json-pointer:${pointer}]`);
  }
}

/** Characters as Slack counts them. GUESS: Unicode code points, not UTF-16 units. */
export function charLength(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function checkString(r: Report, v: unknown, ptr: string, max: number, min = 0): void {
  if (typeof v !== 'string') {
    r.error('must be a string', ptr);
    return;
  }
  const len = charLength(v);
  if (len > max) r.error(`must be less than ${max + 1} characters`, ptr);
  else if (len < min) r.error(`must be more than ${min - 1} characters`, ptr);
}

function optionalString(r: Report, obj: Json, key: string, ptr: string, max: number, min = 0): void {
  if (obj[key] !== undefined) checkString(r, obj[key], `${ptr}/${key}`, max, min);
}

interface TextRule {
  plainOnly?: boolean;
  max: number;
  min?: number;
}

/** A text composition object; `plain_text | mrkdwn` is a oneOf, so a failure there is also reported at the object. */
function checkText(r: Report, v: unknown, ptr: string, rule: TextRule): void {
  if (!isObject(v)) {
    r.error('must provide an object', ptr);
    return;
  }
  const allowed = rule.plainOnly ? ['plain_text'] : ['plain_text', 'mrkdwn'];
  const specific = new Report();
  if (typeof v.type !== 'string' || !allowed.includes(v.type)) {
    specific.error(`must be one of: ${allowed.join(', ')}`, `${ptr}/type`);
  }
  if (typeof v.text !== 'string') specific.error('missing required field: text', ptr);
  else checkString(specific, v.text, `${ptr}/text`, rule.max, rule.min ?? 1);
  if (specific.messages.length === 0) return;
  if (!rule.plainOnly) r.error('failed to match all allowed schemas', ptr);
  r.messages.push(...specific.messages);
}

function checkActionId(r: Report, el: Json, ptr: string): void {
  optionalString(r, el, 'action_id', ptr, BLOCK_LIMITS.actionId, 1);
}

function checkConfirm(r: Report, v: unknown, ptr: string): void {
  if (v === undefined) return;
  if (!isObject(v)) {
    r.error('must provide an object', ptr);
    return;
  }
  for (const key of ['title', 'text', 'confirm', 'deny'] as const) {
    if (v[key] === undefined) r.error(`missing required field: ${key}`, ptr);
  }
  if (v.title !== undefined)
    checkText(r, v.title, `${ptr}/title`, { plainOnly: true, max: BLOCK_LIMITS.confirmTitle });
  if (v.text !== undefined) checkText(r, v.text, `${ptr}/text`, { max: BLOCK_LIMITS.confirmText });
  if (v.confirm !== undefined)
    checkText(r, v.confirm, `${ptr}/confirm`, { plainOnly: true, max: BLOCK_LIMITS.confirmButton });
  if (v.deny !== undefined)
    checkText(r, v.deny, `${ptr}/deny`, { plainOnly: true, max: BLOCK_LIMITS.confirmButton });
  if (v.style !== undefined && v.style !== 'primary' && v.style !== 'danger')
    r.error('must be one of: primary, danger', `${ptr}/style`);
}

function checkOptions(
  r: Report,
  v: unknown,
  ptr: string,
  min: number,
  max: number,
  mrkdwnAllowed: boolean,
): void {
  if (!Array.isArray(v)) {
    r.error('must provide an array', ptr);
    return;
  }
  if (v.length < min) r.error(`must provide at least ${min} items`, ptr);
  if (v.length > max) r.error(`no more than ${max} items allowed`, ptr);
  v.forEach((opt, i) => {
    const p = `${ptr}/${i}`;
    if (!isObject(opt)) {
      r.error('must provide an object', p);
      return;
    }
    checkText(r, opt.text, `${p}/text`, { plainOnly: !mrkdwnAllowed, max: BLOCK_LIMITS.optionText });
    if (opt.value !== undefined) checkString(r, opt.value, `${p}/value`, BLOCK_LIMITS.optionValue, 1);
    if (opt.description !== undefined)
      checkText(r, opt.description, `${p}/description`, {
        plainOnly: !mrkdwnAllowed,
        max: BLOCK_LIMITS.optionDescription,
      });
    optionalString(r, opt, 'url', p, BLOCK_LIMITS.buttonUrl);
  });
}

function checkPlaceholder(r: Report, el: Json, ptr: string): void {
  if (el.placeholder !== undefined)
    checkText(r, el.placeholder, `${ptr}/placeholder`, { plainOnly: true, max: BLOCK_LIMITS.placeholder });
}

function checkIntRange(r: Report, v: unknown, ptr: string, min: number, max: number): void {
  if (v === undefined) return;
  if (typeof v !== 'number' || !Number.isInteger(v)) r.error('must be an integer', ptr);
  else if (v < min) r.error(`must be greater than or equal to ${min}`, ptr);
  else if (v > max) r.error(`must be less than or equal to ${max}`, ptr);
}

function checkElement(r: Report, el: unknown, ptr: string, allowed: Set<string>): void {
  if (!isObject(el)) {
    r.error('must provide an object', ptr);
    return;
  }
  const type = el.type;
  if (typeof type !== 'string' || !allowed.has(type)) {
    r.error(`unsupported type: ${String(type)}`, `${ptr}/type`);
    return;
  }
  checkActionId(r, el, ptr);
  checkConfirm(r, el.confirm, `${ptr}/confirm`);
  switch (type) {
    case 'button':
      checkText(r, el.text, `${ptr}/text`, { plainOnly: true, max: BLOCK_LIMITS.buttonText });
      optionalString(r, el, 'value', ptr, BLOCK_LIMITS.buttonValue, 1);
      optionalString(r, el, 'url', ptr, BLOCK_LIMITS.buttonUrl, 1);
      optionalString(r, el, 'accessibility_label', ptr, BLOCK_LIMITS.accessibilityLabel, 1);
      if (el.style !== undefined && el.style !== 'primary' && el.style !== 'danger')
        r.error('must be one of: primary, danger', `${ptr}/style`);
      return;
    case 'image':
      if (el.image_url === undefined && el.slack_file === undefined)
        r.error('missing required field: image_url', ptr);
      optionalString(r, el, 'image_url', ptr, BLOCK_LIMITS.imageUrl, 1);
      checkString(r, el.alt_text, `${ptr}/alt_text`, BLOCK_LIMITS.altText, 1);
      return;
    case 'plain_text_input':
      checkPlaceholder(r, el, ptr);
      checkIntRange(r, el.max_length, `${ptr}/max_length`, 1, BLOCK_LIMITS.textInputMax);
      checkIntRange(r, el.min_length, `${ptr}/min_length`, 0, BLOCK_LIMITS.textInputMax);
      if (
        typeof el.min_length === 'number' &&
        typeof el.max_length === 'number' &&
        el.min_length > el.max_length
      )
        r.error('min_length must be less than or equal to max_length', `${ptr}/min_length`);
      return;
    case 'overflow':
      checkOptions(r, el.options, `${ptr}/options`, 2, 5, false);
      return;
    case 'checkboxes':
    case 'radio_buttons':
      checkOptions(r, el.options, `${ptr}/options`, 1, BLOCK_LIMITS.checkboxOptions, true);
      return;
    case 'static_select':
    case 'multi_static_select':
      checkPlaceholder(r, el, ptr);
      if (el.options === undefined && el.option_groups === undefined)
        r.error('missing required field: options', ptr);
      if (el.options !== undefined)
        checkOptions(r, el.options, `${ptr}/options`, 1, BLOCK_LIMITS.selectOptions, false);
      return;
    default:
      checkPlaceholder(r, el, ptr);
  }
}

function checkBlock(r: Report, block: unknown, ptr: string): void {
  if (!isObject(block)) {
    r.error('must provide an object', ptr);
    return;
  }
  const type = block.type;
  if (typeof type !== 'string' || !BLOCK_TYPES.has(type)) {
    r.error(`unsupported type: ${String(type)}`, `${ptr}/type`);
    return;
  }
  optionalString(r, block, 'block_id', ptr, BLOCK_LIMITS.blockId, 1);
  switch (type) {
    case 'section': {
      if (block.text === undefined && block.fields === undefined)
        r.error('must provide either text or fields', ptr);
      if (block.text !== undefined)
        checkText(r, block.text, `${ptr}/text`, { max: BLOCK_LIMITS.sectionText });
      if (block.fields !== undefined) {
        if (!Array.isArray(block.fields)) r.error('must provide an array', `${ptr}/fields`);
        else {
          if (block.fields.length === 0) r.error('must provide at least 1 items', `${ptr}/fields`);
          if (block.fields.length > BLOCK_LIMITS.sectionFields)
            r.error(`no more than ${BLOCK_LIMITS.sectionFields} items allowed`, `${ptr}/fields`);
          block.fields.forEach((f, i) => {
            checkText(r, f, `${ptr}/fields/${i}`, { max: BLOCK_LIMITS.fieldText });
          });
        }
      }
      if (block.accessory !== undefined)
        checkElement(r, block.accessory, `${ptr}/accessory`, ACCESSORY_ELEMENTS);
      return;
    }
    case 'header':
      checkText(r, block.text, `${ptr}/text`, { plainOnly: true, max: BLOCK_LIMITS.headerText });
      return;
    case 'context': {
      const els = block.elements;
      if (!Array.isArray(els)) {
        r.error('missing required field: elements', ptr);
        return;
      }
      if (els.length === 0) r.error('must provide at least 1 items', `${ptr}/elements`);
      if (els.length > BLOCK_LIMITS.contextElements)
        r.error(`no more than ${BLOCK_LIMITS.contextElements} items allowed`, `${ptr}/elements`);
      els.forEach((el, i) => {
        const p = `${ptr}/elements/${i}`;
        if (isObject(el) && el.type === 'image') checkElement(r, el, p, new Set(['image']));
        else checkText(r, el, p, { max: BLOCK_LIMITS.sectionText });
      });
      return;
    }
    case 'actions': {
      const els = block.elements;
      if (!Array.isArray(els)) {
        r.error('missing required field: elements', ptr);
        return;
      }
      if (els.length === 0) r.error('must provide at least 1 items', `${ptr}/elements`);
      if (els.length > BLOCK_LIMITS.actionsElements)
        r.error(`no more than ${BLOCK_LIMITS.actionsElements} items allowed`, `${ptr}/elements`);
      els.forEach((el, i) => {
        checkElement(r, el, `${ptr}/elements/${i}`, ACTIONS_ELEMENTS);
      });
      return;
    }
    case 'input':
      checkText(r, block.label, `${ptr}/label`, { plainOnly: true, max: BLOCK_LIMITS.inputLabel });
      if (block.hint !== undefined)
        checkText(r, block.hint, `${ptr}/hint`, { plainOnly: true, max: BLOCK_LIMITS.inputHint });
      if (block.element === undefined) r.error('missing required field: element', ptr);
      else checkElement(r, block.element, `${ptr}/element`, INPUT_ELEMENTS);
      return;
    case 'image':
      if (block.image_url === undefined && block.slack_file === undefined)
        r.error('missing required field: image_url', ptr);
      optionalString(r, block, 'image_url', ptr, BLOCK_LIMITS.imageUrl, 1);
      checkString(r, block.alt_text, `${ptr}/alt_text`, BLOCK_LIMITS.altText, 1);
      if (block.title !== undefined)
        checkText(r, block.title, `${ptr}/title`, { plainOnly: true, max: BLOCK_LIMITS.altText });
      return;
    case 'markdown':
      checkString(r, block.text, `${ptr}/text`, BLOCK_LIMITS.markdownText, 1);
      return;
    case 'rich_text':
      if (!Array.isArray(block.elements)) r.error('missing required field: elements', ptr);
      return;
    default:
      return;
  }
}

/** Validates a `blocks` array; `base` is the JSON pointer of the array (`/blocks` or `/view/blocks`). */
export function validateBlocks(blocks: unknown, base: string, maxBlocks: number): string[] {
  const r = new Report();
  if (!Array.isArray(blocks)) {
    r.error('must provide an array', base);
    return r.messages;
  }
  if (blocks.length > maxBlocks) r.error(`no more than ${maxBlocks} items allowed`, base);
  const seen = new Set<string>();
  blocks.forEach((block, i) => {
    const ptr = `${base}/${i}`;
    checkBlock(r, block, ptr);
    if (isObject(block) && typeof block.block_id === 'string') {
      // GUESS: wording of the duplicate block_id message.
      if (seen.has(block.block_id)) r.error(`duplicate block_id: ${block.block_id}`, `${ptr}/block_id`);
      seen.add(block.block_id);
    }
  });
  return r.messages;
}

export function validateMessageBlocks(blocks: unknown): string[] {
  return validateBlocks(blocks, '/blocks', BLOCK_LIMITS.blocksPerMessage);
}

/** Sum of every `text` string in the blocks (GUESS at what Slack's cumulative `msg_blocks_too_long` counts). */
export function blocksTextLength(value: unknown): number {
  if (Array.isArray(value)) return value.reduce<number>((n, v) => n + blocksTextLength(v), 0);
  if (!isObject(value)) return 0;
  let n = 0;
  for (const [key, v] of Object.entries(value)) {
    if (key === 'text' && typeof v === 'string') n += charLength(v);
    else n += blocksTextLength(v);
  }
  return n;
}

/** Validates a view object (`view` argument of views.open/update/push); pointers start at `/view`. */
export function validateView(view: unknown): string[] {
  const r = new Report();
  if (!isObject(view)) {
    r.error('must provide an object', '/view');
    return r.messages;
  }
  if (view.type !== 'modal' && view.type !== 'home') {
    r.error('failed to match all allowed schemas', '/view');
    r.error('must be one of: modal, home', '/view/type');
    return r.messages;
  }
  const top = new Report();
  if (view.type === 'modal') {
    if (view.title === undefined) top.error('missing required field: title', '/view');
    else checkText(top, view.title, '/view/title', { plainOnly: true, max: BLOCK_LIMITS.viewTitle });
    for (const key of ['submit', 'close'] as const) {
      if (view[key] !== undefined && view[key] !== null)
        checkText(top, view[key], `/view/${key}`, { plainOnly: true, max: BLOCK_LIMITS.viewButton });
    }
  }
  optionalString(top, view, 'private_metadata', '/view', BLOCK_LIMITS.privateMetadata);
  optionalString(top, view, 'callback_id', '/view', BLOCK_LIMITS.callbackId);
  optionalString(top, view, 'external_id', '/view', BLOCK_LIMITS.externalId);
  if (view.blocks === undefined) top.error('missing required field: blocks', '/view');
  // Seen in the wild: `failed to match all allowed schemas [json-pointer:/view]` before the specific line.
  if (top.messages.length > 0) r.error('failed to match all allowed schemas', '/view');
  r.messages.push(...top.messages);
  if (view.blocks !== undefined)
    r.messages.push(...validateBlocks(view.blocks, '/view/blocks', BLOCK_LIMITS.blocksPerView));
  if (
    view.type === 'modal' &&
    Array.isArray(view.blocks) &&
    (view.submit === undefined || view.submit === null)
  ) {
    const i = view.blocks.findIndex((b) => isObject(b) && b.type === 'input');
    if (i >= 0) r.error('must define `submit` to use an `input` block in modals', `/view/blocks/${i}/input`);
  }
  return r.messages;
}
