import pThrottle from 'p-throttle';

/**
 * Security Hub's documented per-account, per-Region request rates. We stay at the steady rate
 * (not the burst), so a long digest never trips the service's throttling.
 */
export const securityHubRates: Record<string, { limit: number; intervalMs: number }> = {
  GetFindings: { limit: 3, intervalMs: 1000 },
  BatchUpdateFindings: { limit: 10, intervalMs: 1000 },
};

/** One throttle per account, Region and operation, shared by every caller in this process. */
export function createRateLimiter(rates = securityHubRates) {
  const throttles = new Map<string, <T>(fn: () => Promise<T>) => Promise<T>>();
  return function limited<T>(
    operation: string,
    accountId: string,
    region: string,
    fn: () => Promise<T>,
  ): Promise<T> {
    const rate = rates[operation];
    if (!rate) return fn();
    const key = `${operation}|${accountId}|${region}`;
    let throttle = throttles.get(key);
    if (!throttle) {
      const wrapped = pThrottle({ limit: rate.limit, interval: rate.intervalMs, strict: true })(
        (run: () => Promise<unknown>) => run(),
      );
      throttle = <T>(run: () => Promise<T>) => wrapped(run) as Promise<T>;
      throttles.set(key, throttle);
    }
    return throttle(fn);
  };
}

export type RateLimiter = ReturnType<typeof createRateLimiter>;
