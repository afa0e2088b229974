/**
 * What admission asks of a per-user message limit. Synchronous on purpose: two messages of one thread are admitted
 * (and queued) in the order they arrived. conversation/slidingWindowLimit.ts (one process) and
 * coordination/sharedUserLimit.ts (every process, through Redis) both satisfy it.
 */
export type UserSlot = { ok: true } | { ok: false; retryAfterMs: number };

export interface UserRateLimit {
  /** Take a slot for `key` at `now`, or say how long until one is free. */
  take(key: string, now: number): UserSlot;
}
