import { AppError } from '../errors.ts';
import { type HeldLease, holdLease } from '../store/lease.ts';
import type { Store } from '../store/store.ts';
import type { Suppression } from './types.ts';

/**
 * Places in the suppression flow where a test can hold the work, to replay a race in a fixed order
 * (an apply paused after AWS answered, a lift waiting for the lock, a digest between its snapshot
 * and its write, an approval checked but not yet recorded). Nothing sets it outside tests.
 */
export type PausePoint = 'apply:sent' | 'lift:waiting' | 'resuppress:before-lock' | 'approve:checked';
type PauseHook = (point: PausePoint, suppressionId: number) => Promise<void> | void;
let pauseHook: PauseHook | undefined;

export function setSuppressionPauseHook(hook: PauseHook | undefined): void {
  pauseHook = hook;
}

export async function pauseAt(point: PausePoint, suppressionId: number): Promise<void> {
  await pauseHook?.(point, suppressionId);
}

/** An apply or a lift holds its suppression's lock this long; a crashed holder's lease runs out. */
export const suppressionLeaseMs = 5 * 60 * 1000;
const pollMs = 200;

export const suppressionLock = (id: number) => `suppression:${id}`;

/**
 * Runs `work` holding the suppression's lease, with the record read again under it (whatever the
 * caller read before may be stale). Waits up to `waitMs` for another holder (an apply in progress);
 * then `suppression_busy`. The lease is renewed while the work runs; `work` calls `lease.ensure()`
 * before each AWS write, so a holder that lost its lease (stalled past it) stops instead.
 */
export async function withSuppressionLock<T>(
  store: Pick<Store, 'acquireLease' | 'renewLease' | 'releaseLease' | 'getSuppression'>,
  id: number,
  holder: string,
  options: { waitMs: number; waiting?: PausePoint },
  work: (current: Suppression, lease: HeldLease) => Promise<T>,
): Promise<T> {
  const lock = suppressionLock(id);
  const until = Date.now() + options.waitMs;
  let told = false;
  for (;;) {
    const lease = await holdLease(store, lock, holder, { ttlMs: suppressionLeaseMs });
    if (lease) return runHolding(store, id, lease, work);
    if (Date.now() >= until) {
      throw new AppError('suppression_busy', `suppression ${id} is locked by another holder`, {
        params: { id },
      });
    }
    if (!told && options.waiting) {
      told = true;
      await pauseAt(options.waiting, id);
    }
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

async function runHolding<T>(
  store: Pick<Store, 'getSuppression'>,
  id: number,
  lease: HeldLease,
  work: (current: Suppression, lease: HeldLease) => Promise<T>,
): Promise<T> {
  try {
    const current = await store.getSuppression(id);
    if (!current) throw new AppError('unknown_suppression', `no suppression ${id}`, { params: { id } });
    return await work(current, lease);
  } finally {
    await lease.release();
  }
}
