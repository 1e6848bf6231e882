import type { KnownBlock, ModalView, PlainTextOption } from '@slack/types';
import type { TFunction } from 'i18next';
import { z } from 'zod';
import type { Control } from '../../catalog/schema.ts';
import { AppError } from '../../errors.ts';
import type { Language } from '../../i18n/index.ts';
import { maxApprovedReasonLength } from '../../suppression/apply.ts';
import { expiryChoices, maxReasonLength, type SuppressionPolicy } from '../../suppression/request.ts';
import type { FindingGroup } from '../../suppression/types.ts';

import { limits } from '../limits.ts';
import { escapeMrkdwn, inertFormatting, truncate } from '../mrkdwn.ts';

export const suppressCallbackId = 'suppress_submit';
/** Block IDs of the form's inputs; inline errors name them. */
export const formBlocks = { reason: 'reason', expiry: 'expiry', date: 'date', scope: 'scope' } as const;
const inputAction = 'value';

/** Texts of a modal in the user's languages: one, or Japanese and English side by side. */
export interface ModalLanguage {
  langs: Language[];
  t(lang: Language): TFunction;
}

/** A text in each of the modal's languages, in order. */
export function sayEach(l: ModalLanguage, key: string, params: Record<string, unknown> = {}): string[] {
  return l.langs.map((lang) => l.t(lang)(key, params));
}

/** A text in the modal's languages, joined (labels: " / "; hints: a line each). */
export function say(l: ModalLanguage, key: string, params: Record<string, unknown> = {}, separator = ' / ') {
  return sayEach(l, key, params).join(separator);
}

function plain(text: string, max: number) {
  return { type: 'plain_text' as const, text: truncate(text, max), emoji: true };
}

function frame(l: ModalLanguage): Pick<ModalView, 'type' | 'title' | 'close'> {
  return {
    type: 'modal',
    title: plain(say(l, 'suppress.title'), limits.modalTitle),
    close: plain(say(l, 'suppress.close'), limits.modalButton),
  };
}

/** What is being suppressed: control, account and Region, and the resources (escaped). */
function targetBlock(l: ModalLanguage, item: FindingGroup, control: Control | undefined): KnownBlock {
  const shown = item.resources
    .slice(0, 10)
    .map((r) => `\`${escapeMrkdwn(truncate(r, 200)).replaceAll('`', 'ˋ')}\``);
  const more = item.resources.length - shown.length;
  const title = control ? l.langs.map((lang) => escapeMrkdwn(control.title[lang])).join('\n') : '';
  // The control ID of a digest item comes from a finding: escaped like any other AWS text.
  const lines = [
    `*${escapeMrkdwn(inertFormatting(item.controlId, '*'))}* ${title}`,
    `${say(l, 'suppress.where')}: ${escapeMrkdwn(item.accountId)} ${escapeMrkdwn(item.region)}`,
    `${say(l, 'suppress.resources', { count: item.resources.length })}: ${shown.join(', ')}${more > 0 ? ` (+${more})` : ''}`,
  ];
  return { type: 'section', text: { type: 'mrkdwn', text: truncate(lines.join('\n'), limits.sectionText) } };
}

function option(text: string, value: string): PlainTextOption {
  return { text: plain(text, 75), value };
}

/** A radio option in one language, or Japanese with the English as its description (75 characters each). */
function radioOption(l: ModalLanguage, key: string, params: Record<string, unknown>, value: string) {
  const [first, second] = l.langs.map((lang) => l.t(lang)(key, params));
  return {
    text: plain(first ?? '', 75),
    ...(second ? { description: plain(second, 75) } : {}),
    value,
  };
}

/**
 * What rides along in the modal: the button's key and the channel it was clicked in, so the submit
 * can check again that the button is used in its own channel, and whether it came from the Home tab
 * (`h`: the submit checks again that the user is still a member of that channel). Slack returns it as
 * the bot set it.
 */
const Metadata = z.object({
  k: z.string().regex(/^[\w-]{16}$/),
  c: z.string().regex(/^[A-Z0-9]{1,40}$/),
  /** Opened for a control that needs an approval: the shorter reason limit applies. */
  a: z.literal(1).optional(),
  /** Opened from the Home tab: the submit reads the channel's members again. */
  h: z.literal(1).optional(),
});

/**
 * The modal's key and channel, whether it asked for the shorter reason of a request for approval and
 * whether it came from the Home tab; anything else (an old modal, a forged view) is an unknown target.
 */
export function readSuppressMetadata(raw: unknown): {
  key: string;
  channel: string;
  approval: boolean;
  fromHome: boolean;
} {
  let json: unknown = null;
  try {
    json = JSON.parse(String(raw));
  } catch {}
  const parsed = Metadata.safeParse(json);
  if (!parsed.success) throw new AppError('suppression_target_gone', 'unreadable modal metadata');
  return {
    key: parsed.data.k,
    channel: parsed.data.c,
    approval: parsed.data.a === 1,
    fromHome: parsed.data.h === 1,
  };
}

/**
 * The Suppress form: reason (long enough to mean something, short enough for Security Hub's note),
 * expiry (7/30/90 days or a date, within the policy), scope. Only the item key and the clicking
 * channel ride along.
 */
export function suppressModal(
  l: ModalLanguage,
  item: FindingGroup,
  control: Control | undefined,
  policy: SuppressionPolicy,
  channel: string,
  /** The control's severity when a second person must approve the suppression. */
  approvalSeverity: string | null = null,
  /** Clicked in the Home tab: `channel` is the target's, granted by membership. */
  fromHome = false,
): ModalView {
  const maxReason = approvalSeverity ? maxApprovedReasonLength : maxReasonLength;
  const days = expiryChoices(policy);
  const dayOptions = days.map((d) => option(say(l, 'suppress.days', { count: d }), String(d)));
  const initialDays = dayOptions.find((o) => o.value === '30') ?? dayOptions[0];
  const scopes = [
    radioOption(l, 'suppress.scopeResource', { count: item.resources.length }, 'resource'),
    radioOption(l, 'suppress.scopeControl', { control: item.controlId }, 'control'),
  ];
  return {
    ...frame(l),
    callback_id: suppressCallbackId,
    private_metadata: JSON.stringify({
      k: item.key,
      c: channel,
      ...(approvalSeverity ? { a: 1 } : {}),
      ...(fromHome ? { h: 1 } : {}),
    }),
    submit: plain(say(l, 'suppress.submit'), limits.modalButton),
    blocks: [
      targetBlock(l, item, control),
      ...(approvalSeverity ? [approvalNotice(l, approvalSeverity, maxReason)] : []),
      {
        type: 'input',
        block_id: formBlocks.reason,
        label: plain(say(l, 'suppress.reason'), 2000),
        hint: plain(say(l, 'suppress.reasonHint', { min: policy.minReasonLength }, '\n'), 2000),
        element: {
          type: 'plain_text_input',
          action_id: inputAction,
          multiline: true,
          min_length: policy.minReasonLength,
          max_length: maxReason,
        },
      },
      {
        type: 'input',
        block_id: formBlocks.expiry,
        label: plain(say(l, 'suppress.expiry'), 2000),
        element: {
          type: 'static_select',
          action_id: inputAction,
          options: dayOptions,
          ...(initialDays ? { initial_option: initialDays } : {}),
        },
      },
      {
        type: 'input',
        block_id: formBlocks.date,
        optional: true,
        label: plain(say(l, 'suppress.date'), 2000),
        hint: plain(say(l, 'suppress.dateHint', { max: policy.maxDays }, '\n'), 2000),
        element: { type: 'datepicker', action_id: inputAction },
      },
      {
        type: 'input',
        block_id: formBlocks.scope,
        label: plain(say(l, 'suppress.scope'), 2000),
        element: {
          type: 'radio_buttons',
          action_id: inputAction,
          options: scopes,
          initial_option: scopes[0],
        },
      },
    ],
  };
}

/** Says that a second person approves this one, before anything changes in Security Hub. */
function approvalNotice(l: ModalLanguage, severity: string, max: number): KnownBlock {
  const lines = l.langs.map((lang) =>
    l.t(lang)('approval.modalNotice', { severity: l.t(lang)(`severity.${severity}`), max }),
  );
  return {
    type: 'context',
    elements: [{ type: 'mrkdwn', text: truncate(lines.map(escapeMrkdwn).join('\n'), limits.sectionText) }],
  };
}

/** A modal that only says something (refusal, progress, outcome): no submit button. */
export function messageModal(l: ModalLanguage, lines: readonly string[]): ModalView {
  return {
    ...frame(l),
    blocks: [
      {
        type: 'section',
        text: { type: 'mrkdwn', text: truncate(lines.map(escapeMrkdwn).join('\n'), limits.sectionText) },
      },
    ],
  };
}

/** The form's values as submitted, read leniently: validation happens in the command layer. */
export function readSuppressForm(values: Record<string, Record<string, unknown>>) {
  const field = (block: string) => values[block]?.[inputAction] as Record<string, unknown> | undefined;
  const selected = (block: string) =>
    (field(block)?.selected_option as { value?: string } | null | undefined)?.value ?? null;
  return {
    reason: (field(formBlocks.reason)?.value as string | null | undefined) ?? null,
    days: selected(formBlocks.expiry),
    date: (field(formBlocks.date)?.selected_date as string | null | undefined) ?? null,
    scope: selected(formBlocks.scope),
  };
}
