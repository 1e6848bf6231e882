import { describe, expect, it } from 'vitest';
import { suppressionsCsv } from '../../commands/suppressions.ts';
import { Config } from '../../src/config/schema.ts';
import { buildAccountView } from '../../src/organization/view.ts';
import { openSqliteStore } from '../../src/store/sqlite.ts';
import {
  assertTargetInChannel,
  expiryChoices,
  maxReasonLength,
  parseSuppressForm,
  suppressTargetFor,
} from '../../src/suppression/request.ts';
import type { Suppression, SuppressTarget } from '../../src/suppression/types.ts';

const policy = { maxDays: 90, minReasonLength: 10 };
const now = Date.parse('2026-11-30T03:00:00.000Z');
const dayMs = 24 * 60 * 60 * 1000;

describe('the suppress form', () => {
  it('offers 7, 30 and 90 days, never beyond the policy', () => {
    expect(expiryChoices({ maxDays: 90 })).toEqual([7, 30, 90]);
    expect(expiryChoices({ maxDays: 365 })).toEqual([7, 30, 90]);
    expect(expiryChoices({ maxDays: 60 })).toEqual([7, 30, 60]);
    expect(expiryChoices({ maxDays: 3 })).toEqual([3]);
  });

  it('accepts a reason and a number of days, trimming the reason', () => {
    const parsed = parseSuppressForm(
      { reason: '  Accepted by the CISO  ', days: '30', scope: 'control' },
      policy,
      now,
    );
    expect(parsed).toEqual({
      ok: true,
      value: {
        reason: 'Accepted by the CISO',
        expiresAt: new Date(now + 30 * dayMs).toISOString(),
        scope: 'control',
      },
    });
  });

  it('defaults the scope to this resource', () => {
    const parsed = parseSuppressForm({ reason: 'Accepted by the CISO', days: '7' }, policy, now);
    expect(parsed.ok && parsed.value.scope).toBe('resource');
  });

  it('counts characters, not bytes: ten Japanese characters are enough', () => {
    expect(parseSuppressForm({ reason: '移行期間中のため許容する', days: '7' }, policy, now).ok).toBe(true);
    expect(parseSuppressForm({ reason: '移行期間中のため', days: '7' }, policy, now)).toEqual({
      ok: false,
      errors: { reason: { key: 'suppress.errors.reasonShort', params: { min: 10 } } },
    });
  });

  it('refuses a reason that would not fit Security Hub’s note', () => {
    const long = parseSuppressForm({ reason: 'x'.repeat(maxReasonLength + 1), days: '7' }, policy, now);
    expect(long).toEqual({
      ok: false,
      errors: { reason: { key: 'suppress.errors.reasonLong', params: { max: maxReasonLength } } },
    });
    expect(parseSuppressForm({ reason: 'x'.repeat(maxReasonLength), days: '7' }, policy, now).ok).toBe(true);
  });

  it('takes a date through the end of that day, refuses past dates and dates beyond maxDays', () => {
    const ok = parseSuppressForm(
      { reason: 'Accepted by the CISO', days: '30', date: '2026-12-24' },
      policy,
      now,
    );
    expect(ok.ok && ok.value.expiresAt).toBe('2026-12-24T23:59:59.999Z');
    const past = parseSuppressForm({ reason: 'Accepted by the CISO', date: '2026-11-29' }, policy, now);
    expect(past).toEqual({ ok: false, errors: { date: { key: 'suppress.errors.datePast' } } });
    const far = parseSuppressForm({ reason: 'Accepted by the CISO', date: '2027-06-01' }, policy, now);
    expect(far).toEqual({
      ok: false,
      errors: { date: { key: 'suppress.errors.dateFar', params: { max: 90 } } },
    });
    // The last allowed day is capped at exactly maxDays from now.
    const last = parseSuppressForm({ reason: 'Accepted by the CISO', date: '2027-02-28' }, policy, now);
    expect(last.ok && last.value.expiresAt).toBe(new Date(now + 90 * dayMs).toISOString());
  });

  it('refuses an expiry the policy does not offer, and reports every field at once', () => {
    expect(parseSuppressForm({ reason: 'short', days: '365' }, policy, now)).toEqual({
      ok: false,
      errors: {
        reason: { key: 'suppress.errors.reasonShort', params: { min: 10 } },
        expiry: { key: 'suppress.errors.expiry' },
      },
    });
  });

  it('refuses an unknown scope', () => {
    expect(
      parseSuppressForm({ reason: 'Accepted by the CISO', days: '7', scope: 'account' }, policy, now).ok,
    ).toBe(false);
  });
});

describe('the CSV audit export', () => {
  const base: Suppression = {
    id: 7,
    requestKey: 'digest-item:abc',
    controlId: 'S3.8',
    accountId: '111111111111',
    region: 'ap-northeast-1',
    scope: 'resource',
    reason: 'Line one, "quoted"\nline two',
    userId: 'U0JA00001',
    userName: 'taro',
    createdAt: '2026-11-30T00:00:00.000Z',
    expiresAt: '2026-12-30T00:00:00.000Z',
    state: 'active',
    findings: [
      { id: 'f1', productArn: 'p', resourceId: 'bucket-a' },
      { id: 'f2', productArn: 'p', resourceId: 'bucket-b' },
    ],
    updated: ['f1', 'f2'],
    failed: [],
    channel: 'C0123456789',
    messageTs: '1.2',
    permalink: null,
    endedAt: null,
    approval: null,
  };

  it('quotes commas, quotes and line breaks (RFC 4180) and ends rows with CRLF', () => {
    const csv = suppressionsCsv([base]);
    expect(csv).toBe(
      'id,state,control,account,region,scope,findings_suppressed,resources,user_id,user_name,reason,created_at,expires_at,ended_at,link,approval,approver_id,approver_name,approved_at,rejected_by_id,rejected_by_name,rejection_reason\r\n' +
        '7,active,S3.8,111111111111,ap-northeast-1,resource,2,bucket-a bucket-b,U0JA00001,taro,"Line one, ""quoted""\nline two",2026-11-30T00:00:00.000Z,2026-12-30T00:00:00.000Z,,,none,,,,,,\r\n',
    );
  });

  it('names the requester, the approver and when it was approved, or who rejected it and why', () => {
    const review = {
      expiresAt: '2026-12-03T00:00:00.000Z',
      messageTs: '1.3',
      reviewerId: 'U0EN00001',
      reviewerName: 'alice',
      reviewedAt: '2026-11-30T01:00:00.000Z',
      rejectionReason: null,
    };
    const approved = suppressionsCsv([{ ...base, reason: 'accepted', approval: review }]).split('\r\n')[1];
    expect(approved).toMatch(/,U0JA00001,taro,.*,approved,U0EN00001,alice,2026-11-30T01:00:00.000Z,,,$/);
    const rejected = suppressionsCsv([
      {
        ...base,
        reason: 'accepted',
        state: 'rejected',
        updated: [],
        endedAt: '2026-11-30T01:00:00.000Z',
        approval: { ...review, rejectionReason: '=fix it instead' },
      },
    ]).split('\r\n')[1];
    expect(rejected).toMatch(/,rejected,,,,U0EN00001,alice,'=fix it instead$/);
    const waiting = suppressionsCsv([
      {
        ...base,
        state: 'awaiting_approval',
        updated: [],
        approval: { ...review, reviewerId: null, reviewerName: null, reviewedAt: null },
      },
    ]).split('\r\n')[1];
    expect(waiting).toMatch(/,awaiting,,,,,,$/);
  });

  it('makes spreadsheet formulas inert', () => {
    const csv = suppressionsCsv([{ ...base, reason: '=HYPERLINK("http://x","click")', userName: '@admin' }]);
    expect(csv).toContain(`'@admin`);
    expect(csv).toContain(`"'=HYPERLINK(""http://x"",""click"")"`);
  });
});

describe('where a Suppress button may act', () => {
  const config = Config.parse({
    accounts: [
      { id: '111111111111', name: 'prod', regions: ['ap-northeast-1'] },
      { id: '222222222222', name: 'staging', regions: ['ap-northeast-1'] },
    ],
    channels: [
      { id: 'C0AAAAAAAA1', accounts: ['staging'] },
      { id: 'C0BBBBBBBB1', accounts: ['prod'] },
    ],
  });
  const target: SuppressTarget = {
    kind: 'digest',
    key: 'AbCdEfGhIjKlMnOp',
    controlId: 'S3.8',
    accountId: '111111111111',
    region: 'ap-northeast-1',
    findingIds: ['f1'],
    resources: ['bucket-a'],
    channel: 'C0BBBBBBBB1',
    ts: '1.2',
  };

  it('acts in its own channel while the channel still has the account', () => {
    expect(() =>
      assertTargetInChannel(config, buildAccountView(config, null), target, 'C0BBBBBBBB1'),
    ).not.toThrow();
  });

  it('refuses another channel, a channel that lost the account, a channel gone from the config, and no channel', () => {
    const refused = expect.objectContaining({ code: 'suppress_target_elsewhere' });
    expect(() =>
      assertTargetInChannel(config, buildAccountView(config, null), target, 'C0AAAAAAAA1'),
    ).toThrow(refused);
    const moved = { ...target, channel: 'C0AAAAAAAA1' };
    expect(() => assertTargetInChannel(config, buildAccountView(config, null), moved, 'C0AAAAAAAA1')).toThrow(
      refused,
    );
    const gone = { ...target, channel: 'C0GONE00001' };
    expect(() => assertTargetInChannel(config, buildAccountView(config, null), gone, 'C0GONE00001')).toThrow(
      refused,
    );
    expect(() =>
      assertTargetInChannel(config, buildAccountView(config, null), { ...target, channel: null }, ''),
    ).toThrow(refused);
  });

  it('never uses a control ID from a finding that is not shaped like S3.1', async () => {
    const store = openSqliteStore({ path: ':memory:' });
    const item = { ...target, position: 0, label: undefined };
    await store.createDigest({
      channel: 'C0BBBBBBBB1',
      startedAt: '2026-11-30T00:00:00.000Z',
      summary: {
        date: '2026-11-30',
        accounts: ['prod'],
        failing: {},
        newCount: 2,
        overflow: 0,
        resolvedCount: 0,
        previousFailingTotal: null,
        resolvedIds: [],
        overflowIds: [],
        consoleUrl: null,
      },
      items: [
        { ...item, key: 'hostileControlId', controlId: '<https://evil.example|S3.1 – re-authenticate>' },
        { ...item, key: 'plainControlId1', position: 1 },
      ],
    });
    await expect(suppressTargetFor(store, 'hostileControlId')).rejects.toMatchObject({
      code: 'suppression_target_gone',
    });
    expect((await suppressTargetFor(store, 'plainControlId1')).controlId).toBe('S3.8');
    store.close();
  });
});
