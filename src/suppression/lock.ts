import { AppError } from '../errors.ts';
import type { Store, Suppression } from '../store/store.ts';

/**
 * Places in the suppression flow where a test can hold the work, to replay a race in a fixed order
 * (an apply paused after AWS answered, a lift waiting for the lock, a digest between its snapshot
 * and its write). Nothing sets it outside tests.
 */
export type PausePoint = 'apply:sent' | 'lift:waiting' | 'resuppress:before-lock';
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
 * Runs `work` holding the suppression's lock, with the record read again under it (whatever the
 * caller read before may be stale). Waits up to `waitMs` for another holder (an apply in progress);
 * then `suppression_busy`.
 */
export async function withSuppressionLock<T>(
  store: Store,
  id: number,
  holder: string,
  options: { waitMs: number; waiting?: PausePoint },
  work: (current: Suppression) => Promise<T>,
): Promise<T> {
  const lock = suppressionLock(id);
  const until = Date.now() + options.waitMs;
  let told = false;
  while (!(await store.acquireLock(lock, holder, suppressionLeaseMs))) {
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
  try {
    const current = await store.getSuppression(id);
    if (!current) throw new AppError('unknown_suppression', `no suppression ${id}`, { params: { id } });
    return await work(current);
  } finally {
    await store.releaseLock(lock, holder);
  }
}
