/**
 * Shares one in-flight read between callers asking the same thing at the same moment (several
 * people running `/fsbp check S3` together): AWS sees one request, within its quotas, and every
 * caller gets the same answer. Nothing is cached once the request is over.
 */
export function createInflight() {
  const pending = new Map<string, Promise<unknown>>();
  return function share<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const running = pending.get(key);
    if (running) return running as Promise<T>;
    const started = fn().finally(() => pending.delete(key));
    pending.set(key, started);
    return started;
  };
}

export type Inflight = ReturnType<typeof createInflight>;
