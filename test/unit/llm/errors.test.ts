import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import { describe, expect, it } from 'vitest';
import {
  type ModelError,
  ModelInterruptedError,
  ModelRejectedError,
  ModelTimeoutError,
  ModelUnavailableError,
  QuotaExhaustedError,
  RateLimitedError,
  redactSecrets,
  retryAfterMsFrom,
  toModelError,
} from '../../../src/llm/errors.js';

const apiError = (status: number, body: Record<string, unknown>, headers: Record<string, string> = {}) =>
  APIError.generate(status, { error: body }, undefined, new Headers(headers));

describe('toModelError', () => {
  it('tells a rate limit from an exhausted quota (both 429)', () => {
    const limited = toModelError(
      apiError(
        429,
        { message: 'Rate limit reached', type: 'requests', code: 'rate_limit_exceeded' },
        { 'retry-after': '2' },
      ),
    );
    expect(limited).toBeInstanceOf(RateLimitedError);
    expect(limited.retryable).toBe(true);
    expect(limited.retryAfterMs).toBe(2000);
    expect(limited.code).toBe('rate_limit_exceeded');

    const quota = toModelError(
      apiError(429, {
        message: 'You exceeded your current quota',
        type: 'insufficient_quota',
        code: 'insufficient_quota',
      }),
    );
    expect(quota).toBeInstanceOf(QuotaExhaustedError);
    expect(quota.retryable).toBe(false);
  });

  it.each([
    [500, ModelUnavailableError, true],
    [503, ModelUnavailableError, true],
    [409, ModelUnavailableError, true],
    [408, ModelTimeoutError, true],
    [400, ModelRejectedError, false],
    [401, ModelRejectedError, false],
    [403, ModelRejectedError, false],
    [404, ModelRejectedError, false],
    [422, ModelRejectedError, false],
  ] as const)('maps HTTP %i', (status, type, retryable) => {
    const error = toModelError(apiError(status, { message: 'x', type: 'server_error', code: null }));
    expect(error).toBeInstanceOf(type);
    expect(error.retryable).toBe(retryable);
    expect(error.status).toBe(status);
  });

  it('maps connection problems and cancellations', () => {
    expect(toModelError(new APIConnectionTimeoutError())).toBeInstanceOf(ModelTimeoutError);
    expect(toModelError(new APIConnectionError({ message: 'ECONNREFUSED' }))).toBeInstanceOf(ModelUnavailableError);
    const aborted = toModelError(new APIUserAbortError());
    expect(aborted).toBeInstanceOf(ModelInterruptedError);
    expect((aborted as ModelInterruptedError).interruption).toBe('aborted');
    expect(aborted.retryable).toBe(false);
    // A stream cut: undici throws a bare TypeError from the iteration.
    expect(toModelError(new TypeError('terminated'))).toBeInstanceOf(ModelUnavailableError);
    // An error event inside an already started stream carries no status.
    expect(toModelError(new APIError(undefined, { message: 'boom' }, undefined, undefined))).toBeInstanceOf(
      ModelUnavailableError,
    );
  });

  it('passes ModelErrors through unchanged', () => {
    const error = new ModelTimeoutError('slow');
    expect(toModelError(error)).toBe(error);
  });
});

describe('user messages', () => {
  it('are plain language, fixed per kind, and never carry keys or stacks', () => {
    const errors: ModelError[] = [
      new RateLimitedError('OpenAI rate_limit_exceeded: 429 ... key sk-proj-abcdefghijkl'),
      new QuotaExhaustedError('quota'),
      new ModelUnavailableError('down'),
      new ModelTimeoutError('slow'),
      new ModelInterruptedError('cut', 'cut'),
      new ModelRejectedError('401 Incorrect API key provided: sk-abc123456789'),
    ];
    expect(errors.map((e) => e.userMessage)).toEqual([
      'The model is busy right now — please try again in a minute.',
      "This server's OpenAI quota is used up — an admin needs to check billing.",
      'The model is unavailable right now — please try again in a few minutes.',
      'The model took too long to answer — please try again.',
      'The answer was interrupted.',
      "The bot's model configuration was rejected — an admin needs to check it.",
    ]);
    for (const error of errors) {
      expect(error.userMessage).not.toMatch(/sk-|\bat \w|Error:/);
      expect(error.message).not.toMatch(/sk-(proj-)?[a-z0-9]{6,}/);
    }
    expect(errors[0]?.name).toBe('RateLimitedError');
  });

  it('redacts key-like strings and bearer tokens', () => {
    expect(redactSecrets('key sk-proj-AbC123_xyz-9876 and Bearer abc.def')).toBe(
      'key sk-[redacted] and Bearer [redacted]',
    );
  });
});

describe('retryAfterMsFrom', () => {
  it('prefers retry-after-ms, then retry-after seconds or date', () => {
    expect(retryAfterMsFrom(new Headers({ 'retry-after-ms': '150', 'retry-after': '9' }))).toBe(150);
    expect(retryAfterMsFrom(new Headers({ 'retry-after': '1.5' }))).toBe(1500);
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(retryAfterMsFrom(new Headers({ 'retry-after': 'Thu, 01 Jan 2026 00:00:03 GMT' }), now)).toBe(3000);
    expect(retryAfterMsFrom(new Headers({}))).toBeUndefined();
    expect(retryAfterMsFrom(undefined)).toBeUndefined();
  });
});
