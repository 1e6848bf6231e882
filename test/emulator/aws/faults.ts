// Fault injection: added latency, throttling and 500 errors, optionally from a seeded PRNG.
import { z } from 'zod';
import type { Service } from './errors.ts';

export const FaultConfigSchema = z.object({
  latencyMs: z.number().int().min(0).max(60_000).optional(),
  throttleRate: z.number().min(0).max(1).optional(),
  errorRate: z.number().min(0).max(1).optional(),
  services: z.array(z.enum(['sts', 'iam', 'config', 'securityhub', 'organizations'])).optional(),
  operations: z.array(z.string()).optional(),
  seed: z.number().int().optional(),
  /** Faults start only after this many matching calls went through (an outage half-way). */
  afterCalls: z.number().int().min(0).optional(),
  /** BatchUpdateFindings answers 200 but leaves these finding IDs unprocessed (InternalFailure). */
  unprocessedIds: z.array(z.string()).optional(),
});
export type FaultConfig = z.infer<typeof FaultConfigSchema>;

/** mulberry32: small, fast, good enough for fault draws. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface FaultDecision {
  latencyMs: number;
  fault: 'throttle' | 'error' | null;
}

export class Faults {
  private config: FaultConfig = {};
  private random: () => number = Math.random;
  private matched = 0;

  set(config: FaultConfig): void {
    this.config = FaultConfigSchema.parse(config);
    this.matched = 0;
    this.random = this.config.seed === undefined ? Math.random : mulberry32(this.config.seed);
  }

  get(): FaultConfig {
    return structuredClone(this.config);
  }

  decide(service: Service, operation: string): FaultDecision {
    const c = this.config;
    const applies =
      (!c.services || c.services.includes(service)) && (!c.operations || c.operations.includes(operation));
    if (!applies) return { latencyMs: 0, fault: null };
    this.matched += 1;
    if (c.afterCalls !== undefined && this.matched <= c.afterCalls)
      return { latencyMs: c.latencyMs ?? 0, fault: null };
    let fault: FaultDecision['fault'] = null;
    if (c.throttleRate && this.random() < c.throttleRate) fault = 'throttle';
    else if (c.errorRate && this.random() < c.errorRate) fault = 'error';
    return { latencyMs: c.latencyMs ?? 0, fault };
  }
}
