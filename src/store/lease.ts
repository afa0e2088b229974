import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { storeStrings } from '../strings.js';
import type { LeaseRecord, LeaseStore } from './types.js';

/** Another live process holds the lease: this one must not serve (exit non-zero with `message`). */
export class LeaseHeldError extends Error {
  override name = 'LeaseHeldError';
  constructor(
    readonly lease: string,
    readonly holder: LeaseRecord,
    now: number,
  ) {
    super(storeStrings.leaseHeld(lease, holder.holderId, Math.max(0, holder.expiresAt - now)));
  }
}

/** The lease was lost while running (taken over after we failed to renew in time): stop serving. */
export class LeaseLostError extends Error {
  override name = 'LeaseLostError';
  constructor(
    readonly lease: string,
    readonly reason: string,
    /** Another process holds it now; otherwise it only expired (the database did not answer in time). */
    readonly takenOver: boolean,
  ) {
    super(storeStrings.leaseLost(lease, reason));
  }
}

export interface LeaseOptions {
  /** How long the lease outlives its last renewal: a crashed holder blocks a successor this long at most. */
  ttlMs: number;
  /** Unique per process; defaults to host, pid and a random suffix (shown to the operator in the held message). */
  holderId?: string;
  /** Renewal period; defaults to a third of the ttl so two renewals may fail before it expires. */
  renewEveryMs?: number;
  /** Called once if the lease is lost while running; the process should stop serving. */
  onLost?: (error: LeaseLostError) => void;
  /** Called when one renewal fails but the lease has not expired yet (for a log line). */
  onRenewError?: (error: unknown) => void;
}

export interface Lease {
  readonly name: string;
  readonly holderId: string;
  /** When the lease expires unless renewed (epoch ms). */
  readonly expiresAt: number;
  /** Stop renewing and drop the lease; safe to call twice. */
  release(): Promise<void>;
}

export const defaultHolderId = (): string => `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;

/**
 * Take the named lease (`bot`, or `shard:<id>` so each shard holds its own) or throw LeaseHeldError. While held it
 * is renewed on an unref'd timer; `release` (or closing the store) drops it; a crash lets it expire after the ttl.
 */
export async function acquireLease(store: LeaseStore, name: string, options: LeaseOptions): Promise<Lease> {
  const holderId = options.holderId ?? defaultHolderId();
  const held = await store.claimLease(name, holderId, options.ttlMs);
  if (held.holderId !== holderId) throw new LeaseHeldError(name, held, Date.now());
  const lease = new RenewedLease(store, name, holderId, held.expiresAt, options);
  store.onClose?.(() => lease.release());
  return lease;
}

class RenewedLease implements Lease {
  private readonly timer: NodeJS.Timeout;
  private renewing: Promise<void> = Promise.resolve();
  private released = false;

  constructor(
    private readonly store: LeaseStore,
    readonly name: string,
    readonly holderId: string,
    public expiresAt: number,
    private readonly options: LeaseOptions,
  ) {
    const every = options.renewEveryMs ?? Math.max(50, Math.floor(options.ttlMs / 3));
    this.timer = setInterval(() => {
      this.renewing = this.renewing.then(() => this.renew());
    }, every);
    // The lease must never keep a finished process alive.
    this.timer.unref();
  }

  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    clearInterval(this.timer);
    await this.renewing;
    await this.store.releaseLease(this.name, this.holderId);
  }

  private async renew(): Promise<void> {
    if (this.released) return;
    try {
      const held = await this.store.claimLease(this.name, this.holderId, this.options.ttlMs);
      if (held.holderId === this.holderId) {
        this.expiresAt = held.expiresAt;
        return;
      }
      this.lose(`now held by ${held.holderId}`, true);
    } catch (error) {
      if (Date.now() >= this.expiresAt) this.lose('it could not be renewed before it expired', false);
      else this.options.onRenewError?.(error);
    }
  }

  private lose(reason: string, takenOver: boolean): void {
    if (this.released) return;
    this.released = true;
    clearInterval(this.timer);
    this.options.onLost?.(new LeaseLostError(this.name, reason, takenOver));
  }
}
