import type { UserRateLimit } from '../coordination/userRateLimit.js';

const WINDOW_MS = 60_000;

/**
 * At most `perMinute` events per key in any rolling minute. In memory: a restart forgives, which is fine for a
 * courtesy limit (the spend cap lives in the store).
 */
export class SlidingWindowLimit implements UserRateLimit {
  private readonly events = new Map<string, number[]>();

  constructor(private readonly perMinute: number) {}

  /** Take a slot for `key`; when none is free, how long until one is. 0 per minute means no limit. */
  take(key: string, now: number): { ok: true } | { ok: false; retryAfterMs: number } {
    if (this.perMinute <= 0) return { ok: true };
    const recent = (this.events.get(key) ?? []).filter((t) => now - t < WINDOW_MS);
    if (recent.length >= this.perMinute) {
      this.events.set(key, recent);
      return { ok: false, retryAfterMs: recent[0]! + WINDOW_MS - now };
    }
    recent.push(now);
    this.events.set(key, recent);
    this.prune(now);
    return { ok: true };
  }

  /** Count an event taken elsewhere (another process, see coordination/sharedUserLimit.ts). */
  record(key: string, at: number): void {
    if (this.perMinute <= 0) return;
    const times = this.events.get(key) ?? [];
    let i = times.length;
    while (i > 0 && times[i - 1]! > at) i -= 1;
    times.splice(i, 0, at);
    this.events.set(key, times);
  }

  /** Keep memory bounded by active users only. */
  private prune(now: number): void {
    if (this.events.size < 1_000) return;
    for (const [key, times] of this.events) {
      if (times.every((t) => now - t >= WINDOW_MS)) this.events.delete(key);
    }
  }
}
