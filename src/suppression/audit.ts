import { createHash } from 'node:crypto';

/** An audit event as stored, with its place in the hash chain. `detail` is the stored JSON text. */
export interface ChainedEvent {
  id: number;
  suppressionId: number;
  at: string;
  actor: string;
  action: string;
  detail: string;
  prevHash: string;
  hash: string;
}

/** The chain's start: the previous hash of the first event. */
export const genesisHash = '0'.repeat(64);

/**
 * SHA-256 over the previous hash and every field of the event, so changing, removing or
 * reordering any event breaks every hash after it. Both backends store the same text, so a
 * copied trail verifies the same.
 */
export function eventHash(prevHash: string, e: Omit<ChainedEvent, 'id' | 'prevHash' | 'hash'>): string {
  return createHash('sha256')
    .update(JSON.stringify([prevHash, e.suppressionId, e.at, e.actor, e.action, e.detail]))
    .digest('hex');
}

export type ChainCheck =
  | { ok: true; events: number; lastHash: string }
  | { ok: false; events: number; broken: { id: number; suppressionId: number; reason: 'order' | 'content' } };

/** Reads the trail page by page (oldest first) and checks each event against the one before. */
export async function verifyChain(
  page: (afterId: number, limit: number) => Promise<ChainedEvent[]>,
  pageSize = 1000,
): Promise<ChainCheck> {
  let previous = genesisHash;
  let afterId = 0;
  let events = 0;
  for (;;) {
    const batch = await page(afterId, pageSize);
    for (const e of batch) {
      const broken = (reason: 'order' | 'content'): ChainCheck => ({
        ok: false,
        events,
        broken: { id: e.id, suppressionId: e.suppressionId, reason },
      });
      // 'order': an event was removed, reordered or inserted; 'content': this one was changed.
      if (e.prevHash !== previous) return broken('order');
      if (e.hash !== eventHash(previous, e)) return broken('content');
      previous = e.hash;
      afterId = e.id;
      events += 1;
    }
    if (batch.length < pageSize) return { ok: true, events, lastHash: previous };
  }
}
