/**
 * OpenAI-style rate limits for the fake: one continuously refilling bucket for requests and one for tokens.
 * A bucket holds at most `limit` and refills at `limit / windowMs` per millisecond (OpenAI replenishes
 * continuously rather than resetting each minute).
 */

export interface FakeRateLimits {
  /** Requests per window (per minute by default). Unset: no request limit. */
  rpm?: number;
  /** Tokens per window. A request costs its prompt tokens plus its completion cap. Unset: no token limit. */
  tpm?: number;
  /** The window both limits are expressed in; 60,000 ms like OpenAI. Tests may shrink it to run faster. */
  windowMs?: number;
}

export const DEFAULT_WINDOW_MS = 60_000;

export class TokenBucket {
  private level: number;
  private updatedAt: number;

  constructor(
    readonly limit: number,
    readonly windowMs: number,
    now: number,
  ) {
    this.level = limit;
    this.updatedAt = now;
  }

  /** Units available at `now` (may be negative after rejected requests were charged). */
  available(now: number): number {
    const elapsed = Math.max(0, now - this.updatedAt);
    this.level = Math.min(this.limit, this.level + (elapsed * this.limit) / this.windowMs);
    this.updatedAt = now;
    return this.level;
  }

  /** Take `amount` regardless of the level; the level never drops below -limit (so waits stay bounded). */
  charge(amount: number, now: number): void {
    this.level = Math.max(-this.limit, this.available(now) - amount);
  }

  /** Milliseconds until `amount` units are available (0 if they already are). */
  msUntil(amount: number, now: number): number {
    const missing = amount - this.available(now);
    return missing <= 0 ? 0 : Math.ceil((missing * this.windowMs) / this.limit);
  }

  /** Milliseconds until the bucket is full again: OpenAI's `x-ratelimit-reset-*`. */
  msUntilFull(now: number): number {
    return this.msUntil(this.limit, now);
  }
}

/**
 * OpenAI's duration format for `x-ratelimit-reset-*`: `120ms`, `1s`, `17.5s`, `6m0s`, `1h2m3s`.
 */
export function formatResetDuration(ms: number): string {
  const total = Math.max(0, Math.ceil(ms));
  if (total < 1000) return `${total}ms`;
  const hours = Math.floor(total / 3_600_000);
  const minutes = Math.floor((total % 3_600_000) / 60_000);
  const seconds = (total % 60_000) / 1000;
  const secondsText = `${Number(seconds.toFixed(3))}s`;
  if (hours > 0) return `${hours}h${minutes}m${secondsText}`;
  if (minutes > 0) return `${minutes}m${secondsText}`;
  return secondsText;
}
