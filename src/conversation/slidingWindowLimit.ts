const WINDOW_MS = 60_000;

/**
 * At most `perMinute` events per key in any rolling minute. In memory: a restart forgives, which is fine for a
 * courtesy limit (the spend cap lives in the store).
 */
export class SlidingWindowLimit {
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

  /** Keep memory bounded by active users only. */
  private prune(now: number): void {
    if (this.events.size < 1_000) return;
    for (const [key, times] of this.events) {
      if (times.every((t) => now - t >= WINDOW_MS)) this.events.delete(key);
    }
  }
}
