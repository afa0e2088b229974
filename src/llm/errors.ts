/**
 * Typed model errors. Each carries a plain-language `userMessage` for Discord, separate from the log `message`;
 * neither ever contains a stack trace or an API key.
 */
import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import { modelErrorStrings } from '../strings.js';

export type ModelErrorKind =
  | 'rate_limited'
  | 'quota_exhausted'
  | 'unavailable'
  | 'timeout'
  | 'interrupted'
  | 'rejected'
  | 'context_exceeded';

export interface ModelErrorDetails {
  status?: number;
  /** OpenAI's `error.code` (e.g. `rate_limit_exceeded`, `insufficient_quota`). */
  code?: string;
  /** How long the server asked us to wait, when it said. */
  retryAfterMs?: number;
  cause?: unknown;
}

/** Anything that looks like an OpenAI key is masked before it can reach a log line. */
export function redactSecrets(text: string): string {
  return text.replace(/\b(sk|rk)-[A-Za-z0-9_*-]{6,}/g, '$1-[redacted]').replace(/Bearer\s+\S+/gi, 'Bearer [redacted]');
}

export abstract class ModelError extends Error {
  abstract readonly kind: ModelErrorKind;
  /** Worth another attempt (before any text reached the caller). */
  abstract readonly retryable: boolean;
  /** Shown in Discord as is. */
  abstract readonly userMessage: string;
  readonly status?: number;
  readonly code?: string;
  readonly retryAfterMs?: number;

  constructor(message: string, details: ModelErrorDetails = {}) {
    super(redactSecrets(message), details.cause === undefined ? undefined : { cause: details.cause });
    this.name = new.target.name;
    this.status = details.status;
    this.code = details.code;
    this.retryAfterMs = details.retryAfterMs;
  }
}

/** 429 `rate_limit_exceeded` (after our retries), or our own limiter refusing to wait longer. */
export class RateLimitedError extends ModelError {
  readonly kind = 'rate_limited';
  readonly retryable = true;
  readonly userMessage = modelErrorStrings.rateLimited;
}

/** 429 `insufficient_quota`: billing, never retried. */
export class QuotaExhaustedError extends ModelError {
  readonly kind = 'quota_exhausted';
  readonly retryable = false;
  readonly userMessage = modelErrorStrings.quotaExhausted;
}

/** 5xx, 409, connection refused or reset before any text arrived. */
export class ModelUnavailableError extends ModelError {
  readonly kind = 'unavailable';
  readonly retryable = true;
  readonly userMessage = modelErrorStrings.unavailable;
}

/** No response headers within the request timeout (or a 408), or a stream that stalled before any text. */
export class ModelTimeoutError extends ModelError {
  readonly kind = 'timeout';
  readonly retryable = true;
  readonly userMessage = modelErrorStrings.timeout;
}

export type InterruptionCause = 'cut' | 'stall' | 'aborted' | 'incomplete';

/** The stream broke off (connection cut, stall, cancelled). Carried on the result when text already reached the caller. */
export class ModelInterruptedError extends ModelError {
  readonly kind = 'interrupted';
  readonly retryable = false;
  readonly userMessage = modelErrorStrings.interrupted;
  constructor(
    message: string,
    readonly interruption: InterruptionCause,
    details: ModelErrorDetails = {},
  ) {
    super(message, details);
  }
}

/** 400/401/403/404/422: our request or our credentials are wrong; retrying cannot help. */
export class ModelRejectedError extends ModelError {
  readonly kind = 'rejected';
  readonly retryable = false;
  readonly userMessage = modelErrorStrings.rejected;
}

/**
 * 400 `context_length_exceeded` (OpenAI) or `exceed_context_size_error` (llama.cpp): the prompt is larger than the
 * server's window. Carries the window when the server said (llama.cpp `n_ctx`, OpenAI's message).
 */
export class ContextExceededError extends ModelError {
  readonly kind = 'context_exceeded';
  readonly retryable = false;
  readonly userMessage = modelErrorStrings.contextExceeded;
  constructor(
    message: string,
    readonly contextWindow: number | undefined,
    readonly promptTokens: number | undefined,
    details: ModelErrorDetails = {},
  ) {
    super(message, details);
  }
}

const CONTEXT_CODES = new Set(['context_length_exceeded', 'exceed_context_size_error']);
const numberIn = (text: string, pattern: RegExp): number | undefined => {
  const found = pattern.exec(text)?.[1];
  return found === undefined ? undefined : Number(found);
};

/** The window and prompt size a context error reports, from llama.cpp's fields or OpenAI's sentence. */
function contextError(error: APIError, message: string, details: ModelErrorDetails): ContextExceededError | undefined {
  const body = (error.error ?? {}) as { type?: unknown; code?: unknown; n_ctx?: unknown; n_prompt_tokens?: unknown };
  if (!CONTEXT_CODES.has(String(body.code)) && !CONTEXT_CODES.has(String(body.type))) return undefined;
  const nCtx = typeof body.n_ctx === 'number' ? body.n_ctx : numberIn(error.message, /maximum context length is (\d+)/);
  const prompt =
    typeof body.n_prompt_tokens === 'number'
      ? body.n_prompt_tokens
      : numberIn(error.message, /resulted in (\d+) tokens/);
  return new ContextExceededError(message, nCtx, prompt, details);
}

/** Parse `retry-after-ms` / `retry-after` (seconds or an HTTP date) like the SDK does. */
export function retryAfterMsFrom(headers: Headers | undefined, now = Date.now()): number | undefined {
  if (!headers) return undefined;
  const ms = Number.parseFloat(headers.get('retry-after-ms') ?? '');
  if (Number.isFinite(ms) && ms >= 0) return ms;
  const raw = headers.get('retry-after');
  if (!raw) return undefined;
  const seconds = Number.parseFloat(raw);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(raw);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

function apiErrorCode(error: APIError): string | undefined {
  if (typeof error.code === 'string') return error.code;
  if (typeof error.type === 'string') return error.type;
  return undefined;
}

/** Map anything thrown by the SDK (or the network) onto our error classes. */
export function toModelError(error: unknown): ModelError {
  if (error instanceof ModelError) return error;
  if (error instanceof APIUserAbortError) {
    return new ModelInterruptedError('request cancelled by the caller', 'aborted', { cause: error });
  }
  if (error instanceof APIConnectionTimeoutError) {
    return new ModelTimeoutError('no response headers before the request timeout', { cause: error });
  }
  if (error instanceof APIConnectionError) {
    return new ModelUnavailableError(`connection failed: ${error.message}`, { cause: error });
  }
  if (error instanceof APIError) {
    const status = error.status;
    const code = apiErrorCode(error);
    // The SDK's message already starts with the status ("429 You exceeded ...").
    const message = `OpenAI ${code ? `${code}: ` : ''}${error.message}`;
    const details: ModelErrorDetails = { status, code, cause: error, retryAfterMs: retryAfterMsFrom(error.headers) };
    if (status === 429) {
      return code === 'insufficient_quota' || error.type === 'insufficient_quota'
        ? new QuotaExhaustedError(message, details)
        : new RateLimitedError(message, details);
    }
    if (status === 408) return new ModelTimeoutError(message, details);
    const tooLong = status === 400 ? contextError(error, message, details) : undefined;
    if (tooLong) return tooLong;
    // No status: an `error` event inside a stream that had started (a server-side failure).
    if (status === undefined || status === 409 || status >= 500) return new ModelUnavailableError(message, details);
    return new ModelRejectedError(message, details);
  }
  // undici reports a broken stream as `TypeError: terminated` (cause: SocketError "other side closed").
  const text = error instanceof Error ? error.message : String(error);
  return new ModelUnavailableError(`connection lost: ${text}`, { cause: error });
}
