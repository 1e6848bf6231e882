import type { ModalView } from '@slack/types';
import { z } from 'zod';
import { AppError } from '../../errors.ts';
import { limits } from '../limits.ts';
import { escapeMrkdwn, truncate } from '../mrkdwn.ts';
import { type ModalLanguage, say } from './suppress-modal.ts';

export const rejectCallbackId = 'suppression_reject_submit';
export const rejectReasonBlock = 'reason';
const inputAction = 'value';
/** A rejection reason is told to the requester and kept in the audit trail; it has no note to fit. */
export const maxRejectionLength = 1000;

function plain(text: string, max: number) {
  return { type: 'plain_text' as const, text: truncate(text, max), emoji: true };
}

function frame(l: ModalLanguage): Pick<ModalView, 'type' | 'title' | 'close'> {
  return {
    type: 'modal',
    title: plain(say(l, 'approval.rejectModal.title'), limits.modalTitle),
    close: plain(say(l, 'suppress.close'), limits.modalButton),
  };
}

/** The small form a Reject button opens: one required reason. The request and channel ride along. */
export function rejectModal(l: ModalLanguage, id: number, channel: string): ModalView {
  return {
    ...frame(l),
    callback_id: rejectCallbackId,
    private_metadata: JSON.stringify({ s: id, c: channel }),
    submit: plain(say(l, 'approval.rejectModal.submit'), limits.modalButton),
    blocks: [
      {
        type: 'input',
        block_id: rejectReasonBlock,
        label: plain(say(l, 'approval.rejectModal.reason'), 2000),
        hint: plain(say(l, 'approval.rejectModal.hint', {}, '\n'), 2000),
        element: {
          type: 'plain_text_input',
          action_id: inputAction,
          multiline: true,
          min_length: 1,
          max_length: maxRejectionLength,
        },
      },
    ],
  };
}

/** A reject modal that only says something (refusal, outcome). */
export function rejectMessageModal(l: ModalLanguage, lines: readonly string[]): ModalView {
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

const Metadata = z.object({ s: z.number().int().positive(), c: z.string().regex(/^[A-Z0-9]{1,40}$/) });

/** The request and the channel the Reject button was clicked in; anything else is unknown. */
export function readRejectMetadata(raw: unknown): { id: number; channel: string } {
  let json: unknown = null;
  try {
    json = JSON.parse(String(raw));
  } catch {}
  const parsed = Metadata.safeParse(json);
  if (!parsed.success) throw new AppError('suppression_target_gone', 'unreadable reject modal metadata');
  return { id: parsed.data.s, channel: parsed.data.c };
}

/** The reason as typed (trimmed), or null when none was given. */
export function readRejectReason(values: Record<string, Record<string, unknown>>): string | null {
  const value = (values[rejectReasonBlock]?.[inputAction] as { value?: unknown } | undefined)?.value;
  const reason = typeof value === 'string' ? value.trim() : '';
  return reason === '' ? null : [...reason].slice(0, maxRejectionLength).join('');
}
