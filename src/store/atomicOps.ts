/**
 * The few updates that must be atomic across processes, done by the database itself where keyv has no such call:
 * adding to a usage counter, adding an id to a list, and the lease's compare-and-set. Each keeps the record a plain
 * keyv record (same key, same serialized shape), so ordinary keyv reads see the result. SQLite has its own paths.
 */
import type { LeaseRecord, UsageTotals } from './types.js';

export interface AtomicOps {
  /** Add `delta` to the counter at `key` (created at `delta` if absent), in one server-side step. */
  addUsage(key: string, delta: UsageTotals): Promise<void>;
  /** Append `id` to the list of ids at `key` unless it is there already. */
  addToList(key: string, id: string): Promise<void>;
  /** Write `ours` only if the lease at `key` is absent, ours, or expired at `now`; true if it was written. */
  claimLease(key: string, ours: LeaseRecord, now: number): Promise<boolean>;
  /** Delete the lease at `key` only if `holderId` holds it. */
  releaseLease(key: string, holderId: string): Promise<void>;
}

/** How a store's logical key and value look in the database (namespace prefix, keyv's serialization). */
export interface RawCodec {
  rawKey(key: string): string;
  rawValue(value: unknown): Promise<string>;
}

export const USAGE_FIELDS = ['promptTokens', 'completionTokens', 'requests', 'costUsd'] as const;
