import { describe, expect, it } from 'vitest';
import { createAckFirst } from '../../src/slack/ack-first.ts';

/** A clock that moves only when waited on, so the test says exactly when work would start. */
function clock() {
  let t = 1000;
  const waits: number[] = [];
  return {
    now: () => t,
    wait: async (ms: number) => {
      waits.push(ms);
      t += ms;
    },
    advance: (ms: number) => {
      t += ms;
    },
    waits,
  };
}

describe('acknowledgements before work', () => {
  it('starts work at once when no command arrived lately', async () => {
    const c = clock();
    const gate = createAckFirst({ quietMs: 20, maxWaitMs: 250, ...c });
    await gate.settled();
    expect(c.waits).toEqual([]);
  });

  it('waits until the arrivals have paused for quietMs', async () => {
    const c = clock();
    const gate = createAckFirst({ quietMs: 20, maxWaitMs: 250, ...c });
    gate.arrived();
    c.advance(5);
    const started = c.now();
    await gate.settled();
    expect(c.now() - started).toBe(15);
  });

  it('waits no longer than maxWaitMs while commands keep arriving', async () => {
    const c = clock();
    // Another command arrives at the end of every wait.
    const underLoad = createAckFirst({
      quietMs: 20,
      maxWaitMs: 250,
      now: c.now,
      wait: async (ms) => {
        await c.wait(ms);
        underLoad.arrived();
      },
    });
    underLoad.arrived();
    const started = c.now();
    await underLoad.settled();
    expect(c.now() - started).toBe(250);
    // Rearms: each wait was cut to what was left of 20 ms quiet or 250 ms in all.
    expect(c.waits.every((ms) => ms > 0 && ms <= 20)).toBe(true);
  });
});
