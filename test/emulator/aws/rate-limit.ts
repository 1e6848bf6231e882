// Token buckets per account + region + operation, with Security Hub's documented limits as defaults.
import type { Service } from './errors.ts';
import type { NormalizedState } from './state.ts';

export interface RateLimit {
  rate: number;
  burst: number;
}

/** Security Hub API reference ("throttling limits"); Config and STS have no documented per-operation TPS. */
export const DEFAULT_RATE_LIMITS: Record<string, RateLimit> = {
  'securityhub:GetFindings': { rate: 3, burst: 6 },
  'securityhub:BatchUpdateFindings': { rate: 10, burst: 30 },
  'securityhub:BatchImportFindings': { rate: 10, burst: 30 },
  'securityhub:*': { rate: 10, burst: 30 },
};

export class RateLimiter {
  private buckets = new Map<string, { tokens: number; last: number }>();

  reset(): void {
    this.buckets.clear();
  }

  private limitFor(state: NormalizedState, service: Service, op: string): RateLimit | null {
    if (state.rateLimits === false) return null;
    const merged: Record<string, RateLimit | null> = { ...DEFAULT_RATE_LIMITS, ...(state.rateLimits ?? {}) };
    for (const key of [`${service}:${op}`, `${service}:*`, '*']) {
      if (key in merged) return merged[key] ?? null;
    }
    return null;
  }

  /** Takes one token; false when the bucket is empty (the caller answers with the throttling error). */
  take(
    state: NormalizedState,
    service: Service,
    op: string,
    account: string,
    region: string,
    now: number,
  ): boolean {
    const limit = this.limitFor(state, service, op);
    if (!limit) return true;
    const key = `${service}:${op}:${account}:${region}`;
    const bucket = this.buckets.get(key) ?? { tokens: limit.burst, last: now };
    bucket.tokens = Math.min(limit.burst, bucket.tokens + ((now - bucket.last) / 1000) * limit.rate);
    bucket.last = now;
    this.buckets.set(key, bucket);
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }
}
