/** OpenAI's `x-ratelimit-*` response headers, parsed. Every field is optional: compatible servers send none. */
export interface RateLimitSnapshot {
  limitRequests?: number;
  limitTokens?: number;
  remainingRequests?: number;
  remainingTokens?: number;
  /** Milliseconds until the request bucket is full again. */
  resetRequestsMs?: number;
  resetTokensMs?: number;
}

const UNIT_MS: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1, us: 0.001, µs: 0.001, ns: 0.000001 };

/**
 * Parse OpenAI's durations (Go's format): `120ms`, `1s`, `17.5s`, `6m0s`, `1h2m3.5s`. Undefined when malformed.
 */
export function parseResetDuration(text: string | null | undefined): number | undefined {
  if (!text) return undefined;
  const trimmed = text.trim();
  if (!/^(\d+(\.\d+)?(h|ms|m|s|us|µs|ns))+$/.test(trimmed)) return undefined;
  let total = 0;
  for (const [, value, unit] of trimmed.matchAll(/(\d+(?:\.\d+)?)(h|ms|m|s|us|µs|ns)/g)) {
    total += Number(value) * (UNIT_MS[unit ?? ''] ?? 0);
  }
  return total;
}

function nonNegativeNumber(text: string | null): number | undefined {
  if (text === null || text.trim() === '') return undefined;
  const value = Number(text);
  return Number.isFinite(value) && value >= 0 ? value : undefined;
}

export function readRateLimitHeaders(headers: Headers | undefined): RateLimitSnapshot {
  if (!headers) return {};
  return {
    limitRequests: nonNegativeNumber(headers.get('x-ratelimit-limit-requests')),
    limitTokens: nonNegativeNumber(headers.get('x-ratelimit-limit-tokens')),
    remainingRequests: nonNegativeNumber(headers.get('x-ratelimit-remaining-requests')),
    remainingTokens: nonNegativeNumber(headers.get('x-ratelimit-remaining-tokens')),
    resetRequestsMs: parseResetDuration(headers.get('x-ratelimit-reset-requests')),
    resetTokensMs: parseResetDuration(headers.get('x-ratelimit-reset-tokens')),
  };
}
