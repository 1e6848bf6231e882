import { describe, expect, it } from 'vitest';
import { auditOutOfOrder, runSoak } from './soak.ts';

// The fast variant of `npm run soak`: four kills with a fixed seed (seed 12: one lands inside a digest post).
describe('crash-point soak (4 kills)', () => {
  it('the real bot killed with SIGKILL and restarted leaves Security Hub, the records and the digest consistent', async () => {
    const figures = await runSoak({ seed: 12, kills: 4, budgetMs: 240_000 });
    expect(figures.timedOut).toBe(false);
    expect(figures.killsLanded).toBe(4);
    expect(figures.killsByPhase).toEqual({ digest: 2, apply: 1, lift: 1 });
    expect({
      suppressionRecordsLost: figures.suppressionRecordsLost,
      findingsSuppressedWithoutActiveRecord: figures.findingsSuppressedWithoutActiveRecord,
      findingsNewUnderActiveRecord: figures.findingsNewUnderActiveRecord,
      missingDigestReplies: figures.missingDigestReplies,
      auditEventsOutOfOrder: figures.auditEventsOutOfOrder,
    }).toEqual({
      suppressionRecordsLost: 0,
      findingsSuppressedWithoutActiveRecord: 0,
      findingsNewUnderActiveRecord: 0,
      missingDigestReplies: 0,
      auditEventsOutOfOrder: 0,
    });
    // A reply is posted twice only when Slack took it and the bot died before storing its ts.
    expect(figures.duplicateDigestReplies).toBeLessThanOrEqual(figures.killsInPostWindow);
  }, 300_000);
});

describe('the soak’s audit-order figure', () => {
  const at = (s: number) => `2026-12-02T00:00:0${s}.000Z`;
  const event = (action: string, s: number) => ({ at: at(s), actor: 'U1', action, detail: {} });
  it('counts what a race leaves: an apply finishing after the lift, an event before the request', () => {
    expect(auditOutOfOrder([event('requested', 1), event('active', 2), event('lifted', 3)])).toBe(0);
    expect(auditOutOfOrder([event('requested', 1), event('lifted', 2), event('active', 3)])).toBe(1);
    expect(auditOutOfOrder([event('active', 1), event('requested', 2)])).toBe(2);
    expect(auditOutOfOrder([event('requested', 2), event('active', 1)])).toBe(1);
  });
});
