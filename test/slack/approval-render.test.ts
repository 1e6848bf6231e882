import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/catalog/load.ts';
import { approvalDoc } from '../../src/document/approval-doc.ts';
import { createI18n, type Language, type LanguagePreference, languagesFor } from '../../src/i18n/index.ts';
import { docToBlocks } from '../../src/slack/blocks/doc-to-blocks.ts';
import {
  readRejectMetadata,
  readRejectReason,
  rejectMessageModal,
  rejectModal,
} from '../../src/slack/views/approval-modal.ts';
import { readSuppressMetadata, suppressModal } from '../../src/slack/views/suppress-modal.ts';
import type { Suppression } from '../../src/suppression/types.ts';
import { validateMessageBlocks, validateView } from '../emulator/slack/block-kit.ts';

const catalog = loadCatalog();
const i18n = createI18n();
const t = (l: Language) => i18n.getFixedT(l);
const lang = (preference: LanguagePreference) => ({ langs: languagesFor(preference), t });
const CHANNEL = 'C0123456789';

const request = {
  expiresAt: '2026-12-03T00:00:00.000Z',
  messageTs: '1.3',
  reviewerId: null,
  reviewerName: null,
  reviewedAt: null,
  rejectionReason: null,
};

const waiting: Suppression = {
  id: 12,
  requestKey: 'digest-item:AbCdEfGhIjKlMnOp',
  controlId: 'EC2.19',
  accountId: '111111111111',
  region: 'ap-northeast-1',
  scope: 'resource',
  reason: 'Partner SG <!channel> & <@U0JA00001> *bold*',
  userId: 'U0JA00001',
  userName: 'taro <!here>',
  createdAt: '2026-11-30T00:00:00.000Z',
  expiresAt: '2026-12-30T00:00:00.000Z',
  state: 'awaiting_approval',
  findings: Array.from({ length: 14 }, (_, i) => ({ id: `f${i}`, productArn: 'p', resourceId: `sg-${i}` })),
  updated: [],
  failed: [],
  channel: CHANNEL,
  messageTs: '1.2',
  permalink: null,
  endedAt: null,
  approval: request,
};

const decided: Record<string, Suppression> = {
  waiting,
  approved: {
    ...waiting,
    state: 'active',
    updated: ['f0', 'f1'],
    approval: {
      ...request,
      reviewerId: 'U0EN00001',
      reviewerName: 'alice',
      reviewedAt: '2026-11-30T01:02:03.000Z',
    },
  },
  applying: {
    ...waiting,
    state: 'pending',
    approval: {
      ...request,
      reviewerId: 'U0EN00001',
      reviewerName: 'alice',
      reviewedAt: '2026-11-30T01:02:03.000Z',
    },
  },
  rejected: {
    ...waiting,
    state: 'rejected',
    endedAt: '2026-11-30T01:02:03.000Z',
    approval: {
      ...request,
      reviewerId: 'U0EN00001',
      reviewerName: 'alice',
      reviewedAt: '2026-11-30T01:02:03.000Z',
      rejectionReason: 'Close it <!subteam^S0SECTEAM1>',
    },
  },
  lapsed: { ...waiting, state: 'approval_expired', endedAt: '2026-12-03T00:10:00.000Z' },
};

describe('the approvers’ message', () => {
  it.each(Object.keys(decided))('is valid Block Kit with every value escaped (%s)', (which) => {
    const blocks = docToBlocks(approvalDoc(decided[which] as Suppression, catalog, t, 'both'));
    expect(validateMessageBlocks(blocks)).toEqual([]);
    const json = JSON.stringify(blocks);
    expect(json).toContain('&lt;!channel&gt; &amp; &lt;@U0JA00001&gt;');
    expect(json).toContain('taro &lt;!here&gt;');
    expect(json).not.toMatch(/<!channel>|<!here>|<@U0JA00001>|<!subteam/);
  });

  it('carries the control’s explanation in the channel’s language, the request and where it stands', () => {
    const en = JSON.stringify(docToBlocks(approvalDoc(waiting, catalog, t, 'en')));
    const control = catalog.find('EC2.19');
    expect(en).toContain('Approval needed: suppression request #12');
    expect(en).toContain(
      'asks to suppress 14 finding(s) of EC2.19 in 111111111111 ap-northeast-1 until 2026-12-30',
    );
    expect(en).toContain(control?.title.en.slice(0, 30));
    expect(en).not.toContain(control?.title.ja.slice(0, 10));
    expect(en).toContain('and 4 more');
    expect(en).toContain('until 2026-12-03 00:00 UTC');
    const ja = JSON.stringify(docToBlocks(approvalDoc(waiting, catalog, t, 'ja')));
    expect(ja).toContain('承認が必要です');
    expect(ja).toContain(control?.title.ja.slice(0, 10));
    const statuses = Object.fromEntries(
      Object.entries(decided).map(([k, s]) => [
        k,
        JSON.stringify(docToBlocks(approvalDoc(s, catalog, t, 'en'))),
      ]),
    );
    expect(statuses.approved).toContain(
      'Approved by alice at 2026-11-30 01:02 UTC: 2 finding(s) suppressed until 2026-12-30',
    );
    expect(statuses.applying).toContain('Approved by alice at 2026-11-30 01:02 UTC; being applied');
    expect(statuses.rejected).toContain(
      'Rejected by alice at 2026-11-30 01:02 UTC. Nothing changed in Security Hub. Reason: Close it &lt;!subteam^S0SECTEAM1&gt;',
    );
    expect(statuses.lapsed).toContain('the request expired at 2026-12-03 00:10 UTC');
  });
});

describe('the modals', () => {
  it('a Suppress modal for a control that needs approval says so, and leaves room for the approver in the note', () => {
    const view = suppressModal(
      lang('both'),
      {
        key: 'AbCdEfGhIjKlMnOp',
        controlId: 'EC2.19',
        accountId: '111111111111',
        region: 'ap-northeast-1',
        findingIds: ['f'],
        resources: ['sg-1'],
      },
      catalog.find('EC2.19'),
      { maxDays: 90, minReasonLength: 10 },
      CHANNEL,
      'HIGH',
    );
    expect(validateView(view)).toEqual([]);
    const text = JSON.stringify(view);
    expect(text).toContain('"max_length":387');
    expect(text).toContain('重要度 高');
    expect(text).toContain('Severity High: a second person (an approver) must approve');
    expect(readSuppressMetadata(view.private_metadata)).toEqual({
      key: 'AbCdEfGhIjKlMnOp',
      channel: CHANNEL,
      approval: true,
      fromHome: false,
    });
  });

  it('the Reject modal asks for one required reason, and reads back only what it wrote', () => {
    const view = rejectModal(lang('en'), 12, CHANNEL);
    expect(validateView(view)).toEqual([]);
    expect(readRejectMetadata(view.private_metadata)).toEqual({ id: 12, channel: CHANNEL });
    expect(() => readRejectMetadata('{"s":"12; DROP","c":"C0123456789"}')).toThrow(/metadata/);
    expect(readRejectReason({ reason: { value: { value: '  not acceptable  ' } } })).toBe('not acceptable');
    expect(readRejectReason({ reason: { value: { value: '   ' } } })).toBeNull();
    expect(readRejectReason({})).toBeNull();
    const message = rejectMessageModal(lang('both'), ['Rejected <!channel>']);
    expect(validateView(message)).toEqual([]);
    expect(JSON.stringify(message)).toContain('&lt;!channel&gt;');
  });
});
