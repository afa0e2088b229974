/**
 * The model client: every chat call of the bot goes through here (streamed answers, summaries, moderation).
 *
 * One call = admission by the shared rate limiter → one HTTP request through the official SDK → text deltas to the
 * caller → a final result with usage and cost, recorded through the UsageRecorder.
 *
 * Retries: the SDK runs with `maxRetries: 0` and this file retries instead, because
 *   1. the SDK retries every 429, including `insufficient_quota` (billing: retrying only burns requests), and
 *   2. every attempt must pass through our limiter again (OpenAI counts failed attempts against RPM/TPM too).
 * The loop follows the SDK's own policy otherwise: up to 2 retries for 429 `rate_limit_exceeded`, 408, 409, 5xx,
 * connection errors and timeouts; waits `retry-after-ms` / `retry-after` when the server gives it (up to 60 s),
 * else 0.5 s·2ⁿ (≤ 8 s) with jitter. Never retried: 400/401/403/404, `insufficient_quota`, anything after text
 * has reached the caller. A fallback model (if configured) gets one attempt after the primary failed with a
 * server error or timeout, and only if nothing reached the caller.
 */
import OpenAI from 'openai';
import type {
  ChatCompletionChunk,
  ChatCompletionCreateParamsNonStreaming,
  ChatCompletionCreateParamsStreaming,
  ChatCompletionMessageParam,
} from 'openai/resources/chat/completions';
import type { CompletionUsage } from 'openai/resources/completions';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Config } from '../config/config.js';
import { silentLogger, type Logger } from '../log.js';
import type { UsageRecorder } from '../store/types.js';
import { countTokensAsync } from '../tokens/tokenCounter.js';
import {
  ModelError,
  ModelInterruptedError,
  ModelTimeoutError,
  ModelUnavailableError,
  RateLimitedError,
  toModelError,
} from './errors.js';
import { createRateLimiter, LimiterAbortedError, LimiterStoppedError, type ModelRateLimiter } from './limiter.js';
import { createPricing } from './pricing.js';
import { readRateLimitHeaders } from './rateLimitHeaders.js';
import { safetyIdentifier } from './safetyIdentifier.js';

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface ChatRequest {
  messages: ChatMessage[];
  /** Our estimate of the prompt (weighs the call in the limiter; usage fallback when the server sends none). */
  promptTokens: number;
  userId: string;
  guildId: string | null;
  model?: string;
  maxCompletionTokens?: number;
  signal?: AbortSignal;
}

export interface ChatHandlers {
  onDelta?(text: string): void;
  /** Called when the request has to wait for rate-limit capacity. */
  onQueued?(info: { position: number }): void;
}

export interface ChatResult {
  text: string;
  finishReason: 'stop' | 'length' | 'content_filter' | 'interrupted' | (string & {});
  usage: { promptTokens: number; completionTokens: number; estimated: boolean };
  model: string;
  costUsd: number;
  /** Set when the answer was interrupted after text had reached the caller. */
  error?: ModelError;
}

export interface ModelClient {
  /** Streams the answer; rejects with a ModelError only if no text reached the caller. */
  streamChat(request: ChatRequest, handlers?: ChatHandlers): Promise<ChatResult>;
  /** Non-streaming (conversation summaries); also through the limiter. */
  complete(request: ChatRequest): Promise<ChatResult>;
  /** `omni-moderation-latest`; not flagged without a request when moderation is off in the config. */
  moderate(text: string, signal?: AbortSignal): Promise<{ flagged: boolean; categories: string[] }>;
  readonly limiter: ModelRateLimiter;
  /** Stops the limiter if this client created it. */
  close(): Promise<void>;
}

export interface ModelClientOptions {
  config: Config['openai'];
  maxCompletionTokens: number;
  usage: UsageRecorder;
  /** The process-wide limiter; created from config.rpm/tpm when omitted. */
  limiter?: ModelRateLimiter;
  logger?: Logger;
  /** Retries after the first attempt (retryable failures before any text). Default 2, like the SDK. */
  maxRetries?: number;
  /** A server asking us to wait longer than this is not waited out (the call fails as rate limited). */
  maxRetryWaitMs?: number;
}

export const MODERATION_MODEL = 'omni-moderation-latest';
const DEFAULT_MAX_RETRIES = 2;
const MAX_RETRY_WAIT_MS = 60_000;
const INITIAL_BACKOFF_MS = 500;
const MAX_BACKOFF_MS = 8_000;

type Attempt = (model: string) => Promise<ChatResult>;

function toMessageParam(message: ChatMessage): ChatCompletionMessageParam {
  switch (message.role) {
    case 'system':
      return { role: 'system', content: message.content };
    case 'user':
      return { role: 'user', content: message.content };
    case 'assistant':
      return { role: 'assistant', content: message.content };
  }
}

/** Like toModelError, plus the limiter's own errors. */
function classify(error: unknown): ModelError {
  if (error instanceof LimiterAbortedError) return new ModelInterruptedError(error.message, 'aborted');
  if (error instanceof LimiterStoppedError) return new ModelUnavailableError(error.message);
  return toModelError(error);
}

/** Log fields of a model error: never content, never keys (messages are redacted by ModelError). */
function describeError(error: ModelError): Record<string, unknown> {
  return { kind: error.kind, status: error.status, code: error.code, reason: error.message };
}

/** The SDK's backoff: 0.5 s·2ⁿ capped at 8 s, minus up to 25 % jitter. */
function backoffMs(retry: number): number {
  return Math.min(INITIAL_BACKOFF_MS * 2 ** retry, MAX_BACKOFF_MS) * (1 - Math.random() * 0.25);
}

export function createModelClient(options: ModelClientOptions): ModelClient {
  const { config, usage: usageRecorder } = options;
  const logger = options.logger ?? silentLogger();
  const maxRetries = options.maxRetries ?? DEFAULT_MAX_RETRIES;
  const maxRetryWaitMs = options.maxRetryWaitMs ?? MAX_RETRY_WAIT_MS;
  const ownsLimiter = options.limiter === undefined;
  const limiter = options.limiter ?? createRateLimiter({ rpm: config.rpm, tpm: config.tpm });
  const pricing = createPricing(config.prices);
  const openai = new OpenAI({
    apiKey: config.apiKey,
    baseURL: config.baseURL,
    maxRetries: 0, // see the header comment: we retry ourselves, through the limiter
    timeout: config.timeoutMs, // until response headers arrive; the stall timer covers the body
    logLevel: 'off', // we log ourselves, without message content
  });
  let warnedLimits = false;

  const completionCap = (request: ChatRequest) => request.maxCompletionTokens ?? options.maxCompletionTokens;

  const baseBody = (model: string, request: ChatRequest) => ({
    model,
    messages: request.messages.map(toMessageParam),
    ...(config.useMaxTokens ? { max_tokens: completionCap(request) } : { max_completion_tokens: completionCap(request) }),
    safety_identifier: safetyIdentifier(request.userId),
  });

  /** Feed `x-ratelimit-*` back into the limiter. */
  const observeHeaders = (headers: Headers | undefined) => {
    const snapshot = readRateLimitHeaders(headers);
    if (!warnedLimits) {
      const lowRpm = snapshot.limitRequests !== undefined && snapshot.limitRequests < config.rpm;
      const lowTpm = snapshot.limitTokens !== undefined && snapshot.limitTokens < config.tpm;
      if (lowRpm || lowTpm) {
        warnedLimits = true;
        logger.warn(
          {
            configured: { rpm: config.rpm, tpm: config.tpm },
            server: { rpm: snapshot.limitRequests, tpm: snapshot.limitTokens },
          },
          'OPENAI_RPM/OPENAI_TPM are above the limits the server reports; following the server',
        );
      }
    }
    void limiter.syncWithServer(snapshot);
  };

  const headersOf = (error: unknown): Headers | undefined =>
    error instanceof OpenAI.APIError ? error.headers : undefined;

  /** One HTTP call: its rate-limit headers feed the limiter, success or failure; failures become ModelErrors. */
  const send = async <T>(call: { withResponse(): Promise<{ data: T; response: Response }> }): Promise<T> => {
    try {
      const { data, response } = await call.withResponse();
      observeHeaders(response.headers);
      return data;
    } catch (error) {
      observeHeaders(headersOf(error));
      throw classify(error);
    }
  };

  const admit = (request: ChatRequest, onQueued?: ChatHandlers['onQueued']) =>
    limiter.acquire(limiter.weigh(request.promptTokens, completionCap(request)), { signal: request.signal, onQueued });

  /** The server charged its own prompt count + our cap; we charged our estimate + cap. Settle the difference. */
  const settleTokens = (charged: number, request: ChatRequest, serverUsage: CompletionUsage | undefined) => {
    if (!serverUsage) return;
    const actual = Math.min(limiter.capacity.tokens, serverUsage.prompt_tokens + completionCap(request));
    void limiter.correctTokens(charged - actual);
  };

  const finish = async (
    request: ChatRequest,
    model: string,
    text: string,
    finishReason: string,
    serverUsage: CompletionUsage | undefined,
    error?: ModelError,
  ): Promise<ChatResult> => {
    const usage =
      serverUsage ?
        { promptTokens: serverUsage.prompt_tokens, completionTokens: serverUsage.completion_tokens, estimated: false }
      : { promptTokens: request.promptTokens, completionTokens: await countTokensAsync(text), estimated: true };
    const costUsd = pricing.costUsd(model, usage.promptTokens, usage.completionTokens);
    try {
      await usageRecorder.recordUsage({
        userId: request.userId,
        guildId: request.guildId,
        at: Date.now(),
        promptTokens: usage.promptTokens,
        completionTokens: usage.completionTokens,
        requests: 1,
        costUsd,
      });
    } catch (recordError) {
      logger.error({ err: recordError }, 'could not record model usage');
    }
    return { text, finishReason, usage, model, costUsd, ...(error ? { error } : {}) };
  };

  const streamOnce = async (model: string, request: ChatRequest, handlers: ChatHandlers): Promise<ChatResult> => {
    const permit = await admit(request, handlers.onQueued);
    const controller = new AbortController();
    const onCallerAbort = () => controller.abort();
    request.signal?.addEventListener('abort', onCallerAbort, { once: true });
    let stalled = false;
    let stallTimer: NodeJS.Timeout | undefined;
    const armStallTimer = () => {
      clearTimeout(stallTimer);
      stallTimer = setTimeout(() => {
        stalled = true;
        controller.abort();
      }, config.stallTimeoutMs);
    };

    let text = '';
    let servedModel = model;
    let finishReason: string | undefined;
    let serverUsage: CompletionUsage | undefined;
    let iterationError: unknown;
    try {
      const body: ChatCompletionCreateParamsStreaming = {
        ...baseBody(model, request),
        stream: true,
        stream_options: { include_usage: true },
      };
      const stream: AsyncIterable<ChatCompletionChunk> = await send(
        openai.chat.completions.create(body, { signal: controller.signal }),
      );
      armStallTimer();
      try {
        for await (const chunk of stream) {
          armStallTimer();
          if (chunk.model) servedModel = chunk.model;
          if (chunk.usage) serverUsage = chunk.usage;
          const choice = chunk.choices[0];
          if (!choice) continue;
          const delta = choice.delta?.content;
          if (delta) {
            text += delta;
            try {
              handlers.onDelta?.(delta);
            } catch (handlerError) {
              logger.error({ err: handlerError }, 'onDelta handler threw; the stream continues');
            }
          }
          if (choice.finish_reason) finishReason = choice.finish_reason;
        }
      } catch (error) {
        // A cut connection surfaces here (undici: `TypeError: terminated`), not from create().
        iterationError = error;
      }
    } finally {
      clearTimeout(stallTimer);
      request.signal?.removeEventListener('abort', onCallerAbort);
    }

    settleTokens(permit.tokens, request, serverUsage);
    // A finish_reason means the answer is whole, even if the usage chunk never came.
    if (finishReason !== undefined) return finish(request, servedModel, text, finishReason, serverUsage);

    const cause =
      request.signal?.aborted ? 'aborted'
      : stalled ? 'stall'
      : iterationError !== undefined ? 'cut'
      : 'incomplete';
    const detail =
      cause === 'stall' ? `no chunk for ${config.stallTimeoutMs} ms`
      : cause === 'cut' ? `stream broke: ${iterationError instanceof Error ? iterationError.message : String(iterationError)}`
      : cause === 'aborted' ? 'cancelled by the caller'
      : 'stream ended without a finish reason';
    if (text === '') {
      // Nothing reached the caller: fail, and let the retry loop decide (cancellations are never retried).
      await finish(request, servedModel, '', 'interrupted', serverUsage);
      if (cause === 'aborted') throw new ModelInterruptedError(detail, cause);
      if (cause === 'stall') throw new ModelTimeoutError(`stream stalled before any text: ${detail}`);
      throw new ModelUnavailableError(`stream failed before any text: ${detail}`, { cause: iterationError });
    }
    const error = new ModelInterruptedError(`answer interrupted: ${detail}`, cause, { cause: iterationError });
    logger.warn({ model: servedModel, cause, chars: text.length }, 'model stream interrupted after text was delivered');
    return finish(request, servedModel, text, 'interrupted', serverUsage, error);
  };

  const completeOnce = async (model: string, request: ChatRequest): Promise<ChatResult> => {
    const permit = await admit(request);
    const body: ChatCompletionCreateParamsNonStreaming = { ...baseBody(model, request), stream: false };
    const completion = await send(openai.chat.completions.create(body, { signal: request.signal }));
    settleTokens(permit.tokens, request, completion.usage);
    const choice = completion.choices[0];
    return finish(
      request,
      completion.model || model,
      choice?.message.content ?? '',
      choice?.finish_reason ?? 'stop',
      completion.usage,
    );
  };

  /** Run `attempt` with our retry policy (see the header comment). */
  const withRetries = async <T>(label: string, signal: AbortSignal | undefined, attempt: () => Promise<T>): Promise<T> => {
    for (let retry = 0; ; retry++) {
      try {
        return await attempt();
      } catch (caught) {
        const error = classify(caught);
        if (!error.retryable || retry >= maxRetries || signal?.aborted) throw error;
        const waitMs = error.retryAfterMs ?? backoffMs(retry);
        if (waitMs > maxRetryWaitMs) {
          throw error instanceof RateLimitedError ? error : new RateLimitedError(error.message, { retryAfterMs: waitMs });
        }
        logger.warn(
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
  };

  /** Primary model with retries; then the fallback model once, for server errors and timeouts only. */
  const withFallback = async (request: ChatRequest, label: string, attempt: Attempt): Promise<ChatResult> => {
    const primary = request.model ?? config.model;
    try {
      return await withRetries(label, request.signal, () => attempt(primary));
    } catch (caught) {
      const error = classify(caught);
      const fallback = config.fallbackModel;
      const eligible = error.kind === 'unavailable' || error.kind === 'timeout';
      if (!fallback || fallback === primary || !eligible || request.signal?.aborted) {
        logger.warn({ ...describeError(error), call: label, model: primary }, 'model call failed');
        throw error;
      }
      logger.warn({ ...describeError(error), call: label, model: primary, fallback }, 'primary model failed; trying the fallback');
      try {
        return await attempt(fallback);
      } catch (fallbackCaught) {
        const fallbackError = classify(fallbackCaught);
        logger.warn({ ...describeError(fallbackError), call: label, model: fallback }, 'fallback model failed too');
        throw fallbackError;
      }
    }
  };

  return {
    limiter,
    streamChat: (request, handlers = {}) =>
      withFallback(request, 'stream', (model) => streamOnce(model, request, handlers)),
    complete: (request) => withFallback(request, 'complete', (model) => completeOnce(model, request)),
    async moderate(text, signal) {
      if (!config.moderation || text.trim() === '') return { flagged: false, categories: [] };
      const response = await withRetries('moderation', signal, async () => {
        try {
          return await openai.moderations.create({ model: MODERATION_MODEL, input: text }, { signal });
        } catch (error) {
          throw classify(error);
        }
      });
      const categories = new Set<string>();
      let flagged = false;
      for (const result of response.results) {
        flagged ||= result.flagged;
        for (const [name, value] of Object.entries(result.categories)) if (value === true) categories.add(name);
      }
      return { flagged, categories: [...categories] };
    },
    async close() {
      if (ownsLimiter) await limiter.stop();
    },
  };
}
