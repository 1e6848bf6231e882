import { setTimeout as sleep } from 'node:timers/promises';

export interface AckFirstOptions {
  /** Work starts once no command arrived for this long... */
  quietMs?: number;
  /** ...or once it has waited this long, whatever keeps arriving. */
  maxWaitMs?: number;
  now?: () => number;
  wait?: (ms: number) => Promise<unknown>;
}

/**
 * Acknowledgements before work: while slash commands keep arriving (a burst, or many people at 9:00),
 * the work they queued waits, so each request is answered within Slack's 3 seconds without competing
 * for the CPU with the checks started just before it. A check waits at most `maxWaitMs`: it then takes
 * seconds anyway (AWS Config re-evaluates), so the wait is not seen.
 */
export function createAckFirst(options: AckFirstOptions = {}) {
  const quietMs = options.quietMs ?? 20;
  const maxWaitMs = options.maxWaitMs ?? 250;
  const now = options.now ?? (() => performance.now());
  const wait = options.wait ?? sleep;
  let lastArrival = Number.NEGATIVE_INFINITY;

  return {
    /** A command arrived (before its ack). */
    arrived(): void {
      lastArrival = now();
    },
    /** Resolves when the arrivals have paused, or after `maxWaitMs`. */
    async settled(): Promise<void> {
      const started = now();
      for (;;) {
        const quietFor = now() - lastArrival;
        const waited = now() - started;
        if (quietFor >= quietMs || waited >= maxWaitMs) return;
        await wait(Math.min(quietMs - quietFor, maxWaitMs - waited));
      }
    },
  };
}
