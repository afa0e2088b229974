import { describe, expect, it } from 'vitest';
import { createPricing, DEFAULT_PRICES } from '../../../src/llm/pricing.js';
import { parseResetDuration, readRateLimitHeaders } from '../../../src/llm/rateLimitHeaders.js';
import { safetyIdentifier } from '../../../src/llm/safetyIdentifier.js';
import { formatResetDuration } from '../../fakes/openai/rateLimits.js';

describe('pricing', () => {
  it('prices per 1M tokens, input and output separately', () => {
    const pricing = createPricing();
    expect(pricing.costUsd('gpt-4o-mini', 1_000_000, 0)).toBeCloseTo(0.15, 10);
    expect(pricing.costUsd('gpt-4o-mini', 1000, 2000)).toBeCloseTo((1000 * 0.15 + 2000 * 0.6) / 1e6, 12);
  });

  it('prices dated snapshots like their alias', () => {
    expect(createPricing().costUsd('gpt-4o-2024-08-06', 1_000_000, 1_000_000)).toBeCloseTo(12.5, 10);
  });

  it('lets the config override and add models', () => {
    const pricing = createPricing({
      'gpt-4o-mini': { input: 1, output: 2 },
      'llama3:8b': { input: 0.01, output: 0.02 },
    });
    expect(pricing.costUsd('gpt-4o-mini', 1_000_000, 1_000_000)).toBeCloseTo(3, 10);
    expect(pricing.costUsd('llama3:8b', 1_000_000, 0)).toBeCloseTo(0.01, 10);
    expect(DEFAULT_PRICES['gpt-4o-mini']).toEqual({ input: 0.15, cachedInput: 0.075, output: 0.6 });
  });

  it('costs unknown models nothing (never prototype keys)', () => {
    const pricing = createPricing();
    expect(pricing.costUsd('my-local-model', 5000, 5000)).toBe(0);
    expect(pricing.costUsd('constructor', 5000, 5000)).toBe(0);
    expect(pricing.priceOf('__proto__')).toBeUndefined();
  });
});

describe('rate-limit headers', () => {
  it.each([
    ['120ms', 120],
    ['1s', 1000],
    ['17.5s', 17_500],
    ['6m0s', 360_000],
    ['1h2m3s', 3_723_000],
    ['', undefined],
    ['soon', undefined],
    ['5', undefined],
  ])('parses %j', (text, ms) => {
    expect(parseResetDuration(text)).toBe(ms);
  });

  it('round-trips the fake server format', () => {
    for (const ms of [0, 7, 999, 1000, 1234, 59_999, 60_000, 61_500, 3_600_000, 5_000_123]) {
      expect(parseResetDuration(formatResetDuration(ms))).toBe(ms);
    }
  });

  it('reads every x-ratelimit header and tolerates missing or bad values', () => {
    const headers = new Headers({
      'x-ratelimit-limit-requests': '500',
      'x-ratelimit-limit-tokens': '200000',
      'x-ratelimit-remaining-requests': '499',
      'x-ratelimit-remaining-tokens': 'lots',
      'x-ratelimit-reset-requests': '120ms',
      'x-ratelimit-reset-tokens': '6m0s',
    });
    expect(readRateLimitHeaders(headers)).toEqual({
      limitRequests: 500,
      limitTokens: 200_000,
      remainingRequests: 499,
      remainingTokens: undefined,
      resetRequestsMs: 120,
      resetTokensMs: 360_000,
    });
    expect(readRateLimitHeaders(undefined)).toEqual({});
  });
});

describe('safetyIdentifier', () => {
  it('is a stable 64-character sha256 hex, never the raw id', () => {
    const id = safetyIdentifier('123456789012345678');
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    expect(id).toBe(safetyIdentifier('123456789012345678'));
    expect(id).not.toContain('123456789012345678');
    expect(safetyIdentifier('123456789012345679')).not.toBe(id);
  });
});
