import { z } from 'zod';
import { type DigestItem, type DigestRun, DigestSummary, digestItemLabels } from '../digest/types.ts';
import type { ChainedEvent } from '../suppression/audit.ts';
import {
  type FindingGroup,
  RefusedFinding,
  SuppressedFinding,
  type Suppression,
  type SuppressionEvent,
  suppressionStates,
} from '../suppression/types.ts';

/**
 * Rows as both backends return them, validated on the way out: JSON columns are parsed and checked
 * against their schema (a hand-edited or corrupted value fails loudly, naming the column), and
 * numeric columns are coerced (PostgreSQL returns BIGINT as a string).
 */
function json<T extends z.ZodType>(schema: T) {
  return z.string().transform((text, ctx): z.infer<T> => {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'is not JSON' });
      return z.NEVER;
    }
    const parsed = schema.safeParse(value);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) ctx.addIssue({ ...issue, code: 'custom' });
      return z.NEVER;
    }
    return parsed.data;
  });
}

const id = z.coerce.number().int();

export const LanguageRow = z.object({ language: z.enum(['ja', 'en', 'both']) });
export const LeaseHolderRow = z.object({ holder: z.string(), token: id, note: z.string().nullable() });
const strings = json(z.array(z.string()));

const GroupRow = z.object({
  key: z.string(),
  control_id: z.string(),
  account_id: z.string(),
  region: z.string(),
  finding_ids: strings,
  resources: strings,
});

export function toGroup(row: z.infer<typeof GroupRow>): FindingGroup {
  return {
    key: row.key,
    controlId: row.control_id,
    accountId: row.account_id,
    region: row.region,
    findingIds: row.finding_ids,
    resources: row.resources,
  };
}

export const ItemRow = GroupRow.extend({
  run_id: id,
  position: id,
  label: z.enum(digestItemLabels).nullable(),
  ts: z.string().nullable(),
}).transform(
  (row): DigestItem => ({
    runId: row.run_id,
    position: row.position,
    ...toGroup(row),
    label: row.label ?? undefined,
    ts: row.ts,
  }),
);

export const CheckTargetRow = GroupRow.extend({
  channel: z.string().nullable(),
  ts: z.string().nullable(),
});

export const RunRow = z
  .object({
    id,
    channel: z.string(),
    started_at: z.string(),
    finished_at: z.string().nullable(),
    parent_ts: z.string().nullable(),
    summary: json(DigestSummary),
  })
  .transform(
    (row): Omit<DigestRun, 'items'> => ({
      id: row.id,
      channel: row.channel,
      startedAt: row.started_at,
      finishedAt: row.finished_at,
      parentTs: row.parent_ts,
      summary: row.summary,
    }),
  );

export const SuppressionRow = z
  .object({
    id,
    request_key: z.string(),
    control_id: z.string(),
    account_id: z.string(),
    region: z.string(),
    scope: z.enum(['resource', 'control']),
    reason: z.string(),
    user_id: z.string(),
    user_name: z.string(),
    created_at: z.string(),
    expires_at: z.string(),
    state: z.enum(suppressionStates),
    findings: json(z.array(SuppressedFinding)),
    updated: strings,
    failed: json(z.array(RefusedFinding)),
    channel: z.string().nullable(),
    message_ts: z.string().nullable(),
    permalink: z.string().nullable(),
    ended_at: z.string().nullable(),
    approval_expires_at: z.string().nullable(),
    approval_ts: z.string().nullable(),
    reviewer_id: z.string().nullable(),
    reviewer_name: z.string().nullable(),
    reviewed_at: z.string().nullable(),
    rejection_reason: z.string().nullable(),
  })
  .transform(
    (row): Suppression => ({
      id: row.id,
      requestKey: row.request_key,
      controlId: row.control_id,
      accountId: row.account_id,
      region: row.region,
      scope: row.scope,
      reason: row.reason,
      userId: row.user_id,
      userName: row.user_name,
      createdAt: row.created_at,
      expiresAt: row.expires_at,
      state: row.state,
      findings: row.findings,
      updated: row.updated,
      failed: row.failed,
      channel: row.channel,
      messageTs: row.message_ts,
      permalink: row.permalink,
      endedAt: row.ended_at,
      approval:
        row.approval_expires_at === null
          ? null
          : {
              expiresAt: row.approval_expires_at,
              messageTs: row.approval_ts,
              reviewerId: row.reviewer_id,
              reviewerName: row.reviewer_name,
              reviewedAt: row.reviewed_at,
              rejectionReason: row.rejection_reason,
            },
    }),
  );

export const EventRow = z
  .object({
    at: z.string(),
    actor: z.string(),
    action: z.string(),
    detail: json(z.record(z.string(), z.unknown())),
  })
  .transform((row): SuppressionEvent => row);

/** Parses one row, naming the table in the error when the stored data does not fit. */
export function parseRow<T extends z.ZodType>(schema: T, table: string, row: unknown): z.output<T> {
  const parsed = schema.safeParse(row);
  if (!parsed.success) {
    const detail = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`the store's ${table} table holds a row that does not fit: ${detail}`);
  }
  return parsed.data;
}

export const ChainedEventRow = z
  .object({
    id,
    suppression_id: id,
    at: z.string(),
    actor: z.string(),
    action: z.string(),
    detail: z.string(),
    prev_hash: z.string(),
    hash: z.string(),
  })
  .transform(
    (row): ChainedEvent => ({
      id: row.id,
      suppressionId: row.suppression_id,
      at: row.at,
      actor: row.actor,
      action: row.action,
      detail: row.detail,
      prevHash: row.prev_hash,
      hash: row.hash,
    }),
  );

const ReportedRow = z.object({ channel: z.string(), finding_id: z.string() });

/** `digest_reported` rows grouped by finding: the channels told about each. */
export function channelsByFinding(rows: readonly unknown[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const row of rows) {
    const { channel, finding_id } = parseRow(ReportedRow, 'digest_reported', row);
    const channels = out.get(finding_id);
    if (channels) channels.push(channel);
    else out.set(finding_id, [channel]);
  }
  return out;
}
