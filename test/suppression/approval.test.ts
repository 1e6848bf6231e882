import { describe, expect, it } from 'vitest';
import { Config } from '../../src/config/schema.ts';
import {
  maxApprovedReasonLength,
  maxReasonLength,
  noteLimit,
  suppressionNote,
} from '../../src/suppression/apply.ts';
import {
  approvalPolicyFor,
  approvalRequest,
  needsApproval,
  requestSeverity,
} from '../../src/suppression/approval.ts';

const base = {
  accounts: [{ id: '111111111111', name: 'prod', regions: ['ap-northeast-1'] }],
  channels: [
    { id: 'C0123456789', accounts: ['prod'] },
    {
      id: 'C0OTHER0001',
      accounts: ['prod'],
      approval: {
        severities: ['CRITICAL'],
        approvers: { allowedUsers: ['U0OTHER001'] },
        expiresAfterHours: 4,
      },
    },
  ],
};

describe('the approval policy', () => {
  it('is absent without the block: every request applies at once, as before', () => {
    const config = Config.parse(base);
    expect(config.suppression.approval).toBeUndefined();
    expect(approvalPolicyFor(config, 'C0123456789')).toBeNull();
    expect(approvalRequest(config, 'C0123456789', 'CRITICAL', 0)).toBeNull();
  });

  it('defaults to CRITICAL and HIGH and 72 hours, and a channel’s own block replaces it there', () => {
    const config = Config.parse({
      ...base,
      suppression: { approval: { approvers: { allowedUserGroups: ['S0SECTEAM1'] } } },
    });
    expect(approvalPolicyFor(config, 'C0123456789')).toEqual({
      severities: ['CRITICAL', 'HIGH'],
      approvers: { allowedUsers: [], allowedUserGroups: ['S0SECTEAM1'] },
      expiresAfterHours: 72,
    });
    expect(approvalRequest(config, 'C0123456789', 'HIGH', 0)).toEqual({
      expiresAt: new Date(72 * 3600_000).toISOString(),
    });
    expect(approvalRequest(config, 'C0123456789', 'MEDIUM', 0)).toBeNull();
    // The other channel: only CRITICAL, its own approvers, 4 hours.
    expect(approvalRequest(config, 'C0OTHER0001', 'HIGH', 0)).toBeNull();
    expect(approvalRequest(config, 'C0OTHER0001', 'CRITICAL', 0)).toEqual({
      expiresAt: new Date(4 * 3600_000).toISOString(),
    });
    expect(approvalPolicyFor(config, 'C0OTHER0001')?.approvers.allowedUsers).toEqual(['U0OTHER001']);
  });

  it('needs approvers, and refuses a severity listed twice', () => {
    expect(Config.safeParse({ ...base, suppression: { approval: {} } }).error?.issues[0]).toMatchObject({
      path: ['suppression', 'approval', 'approvers'],
      message: 'is required (the Slack users or user groups who approve)',
    });
    expect(
      Config.safeParse({ ...base, suppression: { approval: { approvers: {} } } }).error?.issues[0],
    ).toMatchObject({
      path: ['suppression', 'approval', 'approvers'],
      message: 'must name at least one user or user group',
    });
    expect(
      Config.safeParse({
        ...base,
        suppression: {
          approval: { severities: ['HIGH', 'HIGH'], approvers: { allowedUsers: ['U0123456789'] } },
        },
      }).success,
    ).toBe(false);
  });

  it('asks for approval at or above the lowest listed severity; an empty list asks for none', () => {
    const policy = {
      severities: ['HIGH' as const],
      approvers: { allowedUsers: [], allowedUserGroups: [] },
      expiresAfterHours: 1,
    };
    expect(needsApproval(policy, 'CRITICAL')).toBe(true);
    expect(needsApproval(policy, 'HIGH')).toBe(true);
    expect(needsApproval(policy, 'MEDIUM')).toBe(false);
    expect(needsApproval(policy, null)).toBe(false);
    expect(needsApproval({ ...policy, severities: [] }, 'CRITICAL')).toBe(false);
  });

  it('judges a request by the control’s severity, raised (never lowered) by its findings’ own labels', () => {
    expect(requestSeverity('LOW', ['LOW', 'CRITICAL'])).toBe('CRITICAL');
    expect(requestSeverity('HIGH', ['LOW', null, 'bogus<!channel>'])).toBe('HIGH');
    expect(requestSeverity(undefined, ['MEDIUM'])).toBe('MEDIUM');
    expect(requestSeverity(undefined, [null])).toBeNull();
  });
});

describe('the note of an approved suppression', () => {
  it('names the requester and the approver, and always fits Security Hub’s 512 characters', () => {
    expect(maxApprovedReasonLength).toBe(387);
    expect(maxReasonLength).toBe(441);
    const s = {
      reason: 'Legacy partner SG',
      userName: 'taro',
      expiresAt: '2026-12-30T00:00:00.000Z',
      approval: { reviewerName: 'hanako' },
    };
    expect(suppressionNote(s)).toBe(
      'Legacy partner SG — taro, approved by hanako until 2026-12-30 (fsbp-bot)',
    );
    const longest = {
      ...s,
      reason: 'r'.repeat(maxApprovedReasonLength),
      userName: 'u'.repeat(80),
      approval: { reviewerName: 'a'.repeat(80) },
    };
    expect([...suppressionNote(longest)]).toHaveLength(noteLimit);
    expect(suppressionNote(longest)).toContain('r'.repeat(maxApprovedReasonLength));
    // A longer reason (a modal opened before approval was required) is cut, never the note's limit.
    expect([...suppressionNote({ ...longest, reason: 'r'.repeat(maxReasonLength) })]).toHaveLength(noteLimit);
    expect(suppressionNote({ ...s, approval: null })).toBe(
      'Legacy partner SG — taro until 2026-12-30 (fsbp-bot)',
    );
  });
});
