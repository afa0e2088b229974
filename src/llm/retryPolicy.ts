/**
 * Our retry policy (the SDK runs with maxRetries 0): it would retry `insufficient_quota`, and every attempt must
 * pass our limiter again since OpenAI counts failed attempts too. Otherwise the SDK's own policy: up to 2 retries
 * for 429 `rate_limit_exceeded`, 408, 409, 5xx, connection errors and timeouts, waiting the server's retry-after
 * (≤ 60 s) or 0.5 s·2ⁿ (≤ 8 s) with jitter. A fallback model gets one attempt after server errors and timeouts.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../log.js';
import { ModelInterruptedError, RateLimitedError, type ModelError } from './errors.js';
import { classify } from './openaiTransport.js';

export interface RetryOptions {
  maxRetries: number;
  /** A server asking us to wait longer than this is not waited out (the call fails as rate limited). */
  maxRetryWaitMs: number;
  logger: Logger;
}

const INITIAL_BACKOFF_MS = 500;
const MAX_BACKOFF_MS = 8_000;

/** Log fields of a model error: never content, never keys (messages are redacted by ModelError). */
export function describeError(error: ModelError): Record<string, unknown> {
  return { kind: error.kind, status: error.status, code: error.code, reason: error.message };
}

/** The SDK's backoff: 0.5 s·2ⁿ capped at 8 s, minus up to 25 % jitter. */
function backoffMs(retry: number): number {
  return Math.min(INITIAL_BACKOFF_MS * 2 ** retry, MAX_BACKOFF_MS) * (1 - Math.random() * 0.25);
}

export async function withRetries<T>(
  options: RetryOptions,
  label: string,
  signal: AbortSignal | undefined,
  attempt: () => Promise<T>,
): Promise<T> {
  for (let retry = 0; ; retry++) {
    try {
      return await attempt();
    } catch (caught) {
      const error = classify(caught);
      if (!error.retryable || retry >= options.maxRetries || signal?.aborted) throw error;
      const waitMs = error.retryAfterMs ?? backoffMs(retry);
      if (waitMs > options.maxRetryWaitMs) {
        throw error instanceof RateLimitedError ? error : new RateLimitedError(error.message, { retryAfterMs: waitMs });
      }
      options.logger.warn(
        { ...describeError(error), call: label, retry: retry + 1, waitMs: Math.round(waitMs) },
        'model call failed; retrying',
      );
      try {
        await sleep(waitMs, undefined, { signal });
      } catch {
        throw new ModelInterruptedError('cancelled while waiting to retry', 'aborted');
      }
    }
  }
}

/** Primary model with retries; then the fallback model once, for server errors and timeouts only. */
export async function withFallback<T>(
  options: RetryOptions & { fallbackModel?: string },
  call: { label: string; primary: string; signal?: AbortSignal },
  attempt: (model: string) => Promise<T>,
): Promise<T> {
  const { logger, fallbackModel: fallback } = options;
  const { label, primary, signal } = call;
  try {
    return await withRetries(options, label, signal, () => attempt(primary));
  } catch (caught) {
    const error = classify(caught);
    const eligible = error.kind === 'unavailable' || error.kind === 'timeout';
    if (!fallback || fallback === primary || !eligible || signal?.aborted) {
      logger.warn({ ...describeError(error), call: label, model: primary }, 'model call failed');
      throw error;
    }
    logger.warn(
      { ...describeError(error), call: label, model: primary, fallback },
      'primary model failed; trying the fallback',
    );
    try {
      return await attempt(fallback);
    } catch (fallbackCaught) {
      const fallbackError = classify(fallbackCaught);
      logger.warn({ ...describeError(fallbackError), call: label, model: fallback }, 'fallback model failed too');
      throw fallbackError;
    }
  }
}
