import { describe, expect, it } from 'vitest';
import type { ConfigRulesPort, RuleInfo, RuleStatus } from '../../src/engine/ports.ts';
import { reevaluateRules } from '../../src/engine/reevaluate.ts';

/** A scripted Config: each rule finishes at a given virtual time; the clock moves only by sleep(). */
function scripted(
  finishAt: Record<string, number | null>,
  opts: { silent?: string[]; refused?: string[] } = {},
) {
  let clock = 0;
  const calls: string[] = [];
  const before = new Date('2026-01-01T00:00:00Z');
  const status = (name: string): RuleStatus => {
    const at = finishAt[name];
    const done = at !== null && at !== undefined && clock >= at;
    return {
      name,
      lastSuccessfulEvaluation: done ? new Date(before.getTime() + 1000 + clock) : before,
      lastFailedEvaluation: null,
      lastErrorCode: null,
      lastErrorMessage: null,
    };
  };
  const port: ConfigRulesPort = {
    async listRules() {
      return [];
    },
    async describeRules(names) {
      calls.push('describe');
      return names.map((name) => ({
        name,
        state: clock >= (finishAt[name] ?? Infinity) ? 'ACTIVE' : 'EVALUATING',
      }));
    },
    async statuses(names) {
      calls.push('status');
      return names.filter((n) => !opts.silent?.includes(n)).map(status);
    },
    async startEvaluation(names) {
      calls.push('start');
      const refused = names.filter((n) => opts.refused?.includes(n));
      return { started: names.filter((n) => !refused.includes(n)), busy: [], refused };
    },
    async evaluations() {
      return [];
    },
  };
  const options = {
    now: () => clock,
    sleep: async (ms: number) => {
      clock += ms;
    },
  };
  return { port, options, calls, clock: () => clock };
}

const rules = (...names: string[]): RuleInfo[] => names.map((name) => ({ name, state: 'ACTIVE' }));

describe('reevaluateRules', () => {
  it('starts the rules and waits until each one has a run newer than before the start', async () => {
    const s = scripted({ a: 1000, b: 3000 });
    const done: string[] = [];
    const outcomes = await reevaluateRules(s.port, rules('a', 'b'), {
      ...s.options,
      timeoutMs: 60_000,
      onDone: (name) => done.push(name),
    });
    expect(done).toEqual(['a', 'b']);
    expect(outcomes.get('a')?.fresh).toBe(true);
    expect(outcomes.get('b')?.fresh).toBe(true);
    expect(s.calls.filter((c) => c === 'start')).toHaveLength(1);
    expect(s.clock()).toBeLessThan(3000 * 1.6);
  });

  it('does not restart a rule that is already evaluating, and waits for its run', async () => {
    const s = scripted({ a: 500 });
    const outcomes = await reevaluateRules(s.port, [{ name: 'a', state: 'EVALUATING' }], {
      ...s.options,
      timeoutMs: 60_000,
    });
    expect(s.calls).not.toContain('start');
    expect(outcomes.get('a')?.fresh).toBe(true);
  });

  it('gives up at the timeout and marks what did not finish as not fresh', async () => {
    const s = scripted({ a: 500, b: null });
    const outcomes = await reevaluateRules(s.port, rules('a', 'b'), { ...s.options, timeoutMs: 5000 });
    expect(outcomes.get('a')?.fresh).toBe(true);
    expect(outcomes.get('b')?.fresh).toBe(false);
    expect(s.clock()).toBe(5000);
  });

  it('recognises the end of a custom Lambda rule run, which has no evaluation status, by its state', async () => {
    const s = scripted({ lambda: 800 }, { silent: ['lambda'] });
    const outcomes = await reevaluateRules(s.port, rules('lambda'), { ...s.options, timeoutMs: 60_000 });
    expect(outcomes.get('lambda')?.fresh).toBe(true);
    expect(s.calls).toContain('describe');
  });

  it('reports rules AWS refused to start as not fresh without waiting for them', async () => {
    const s = scripted({ a: null }, { refused: ['a'] });
    const outcomes = await reevaluateRules(s.port, rules('a'), { ...s.options, timeoutMs: 60_000 });
    expect(outcomes.get('a')?.fresh).toBe(false);
    expect(s.clock()).toBe(0);
  });
});
