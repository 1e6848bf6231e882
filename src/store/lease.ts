/** A lease on a named lock, as granted by the store: the fencing token grows with every new holder. */
export interface LeaseGrant {
  name: string;
  holder: string;
  token: number;
}

/** The live holder of a lease as another process sees it, with the note it left (a message link...). */
export interface LeaseHolder {
  holder: string;
  token: number;
  note: string | null;
}

/** The store's side of leases: atomic acquire, renew and release, each compared with the token. */
export interface LeaseStore {
  /** A grant with a token greater than any before it for this name, or null while someone else holds it. */
  acquireLease(name: string, holder: string, ttlMs: number): Promise<LeaseGrant | null>;
  /** Extends the lease; false when another holder has taken it over since (the token moved on). */
  renewLease(grant: LeaseGrant, ttlMs: number): Promise<boolean>;
  releaseLease(grant: LeaseGrant): Promise<void>;
  /**
   * Leaves a short note on a held lease for whoever finds it taken (where the work shows its progress).
   * Compared with the token like a renewal: false, and nothing written, once the lease was taken over.
   */
  noteLease(grant: LeaseGrant, note: string): Promise<boolean>;
  /** Who holds the lease now and their note; null when it is free (released or run out). */
  leaseHolder(name: string): Promise<LeaseHolder | null>;
}

/** What holding a lease needs from the store. */
export type LeaseRenewal = Pick<LeaseStore, 'acquireLease' | 'renewLease' | 'releaseLease'>;

/** The lease was taken over by another holder: whoever held it must stop writing and posting. */
export class LeaseLostError extends Error {
  constructor(readonly grant: LeaseGrant) {
    super(`lease ${grant.name} (token ${grant.token}) was taken over`);
    this.name = 'LeaseLostError';
  }
}

export interface HeldLease {
  readonly grant: LeaseGrant;
  readonly token: number;
  /** Renews the lease and throws LeaseLostError if it was taken over; call before every outside write. */
  ensure(): Promise<void>;
  release(): Promise<void>;
}

export interface HoldOptions {
  ttlMs: number;
  /** How often the lease is renewed in the background while the work runs (default a third of the TTL). */
  renewEveryMs?: number;
}

/**
 * Takes a lease and keeps it while the work runs: renewed in the background and at every `ensure()`.
 * Once a renewal finds another holder, the lease stays lost: `ensure()` throws from then on.
 */
export async function holdLease(
  store: LeaseRenewal,
  name: string,
  holder: string,
  options: HoldOptions,
): Promise<HeldLease | null> {
  const grant = await store.acquireLease(name, holder, options.ttlMs);
  if (!grant) return null;
  let lost = false;
  let released = false;
  const renew = async () => {
    if (lost || released) return;
    if (!(await store.renewLease(grant, options.ttlMs))) lost = true;
  };
  const timer = setInterval(
    () => {
      // A failed background renewal is retried at the next tick or ensure(); only a takeover is final.
      renew().catch(() => {});
    },
    options.renewEveryMs ?? Math.max(1000, Math.floor(options.ttlMs / 3)),
  );
  timer.unref();
  return {
    grant,
    token: grant.token,
    async ensure() {
      await renew();
      if (lost) throw new LeaseLostError(grant);
    },
    async release() {
      clearInterval(timer);
      if (released) return;
      released = true;
      if (!lost) await store.releaseLease(grant);
    },
  };
}
