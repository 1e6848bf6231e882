/**
 * Keeps posts to one channel at least `intervalMs` apart (Slack allows about one message per
 * second per channel); different channels do not wait for each other.
 */
export function createChannelPacer(intervalMs = 1000, now: () => number = Date.now) {
  const tails = new Map<string, Promise<number>>();
  return function pace<T>(channel: string, send: () => Promise<T>): Promise<T> {
    const previous = tails.get(channel) ?? Promise.resolve(0);
    const result = previous.then(async (lastAt) => {
      const wait = lastAt + intervalMs - now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      return send();
    });
    tails.set(
      channel,
      result.then(
        () => now(),
        () => now(),
      ),
    );
    return result;
  };
}

export type ChannelPacer = ReturnType<typeof createChannelPacer>;
