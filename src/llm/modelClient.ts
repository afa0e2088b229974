/**
 * The model client: every model call of the bot (streamed answers, summaries, moderation) goes through here.
 * One call = retries and fallback (retryPolicy) around one attempt (streamAttempt / completeAttempt), each attempt
 * admitted by the shared limiter; its usage is priced and recorded by the usage meter.
 */
import type { Config } from '../config/config.js';
import { silentLogger, type Logger } from '../log.js';
import type { UsageRecorder } from '../store/types.js';
import type { ChatRequest, ChatResult, ModelClient } from './chatTypes.js';
import { completeAttempt } from './completeAttempt.js';
import { createRateLimiter, type ModelRateLimiter } from './limiter.js';
import { moderateOnce } from './moderation.js';
import { createTransport } from './openaiTransport.js';
import { createPricing } from './pricing.js';
import { withFallback, withRetries, type RetryOptions } from './retryPolicy.js';
import { FailedAttempt, streamAttempt, type AttemptOutcome } from './streamAttempt.js';
import { createUsageMeter } from './usageMeter.js';

export type { ChatHandlers, ChatMessage, ChatRequest, ChatResult, ModelClient } from './chatTypes.js';
export { MODERATION_MODEL } from './moderation.js';

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

const DEFAULT_MAX_RETRIES = 2;
const MAX_RETRY_WAIT_MS = 60_000;

export function createModelClient(options: ModelClientOptions): ModelClient {
  const { config } = options;
  const logger = options.logger ?? silentLogger();
  const ownsLimiter = options.limiter === undefined;
  const limiter = options.limiter ?? createRateLimiter({ rpm: config.rpm, tpm: config.tpm });
  const transport = createTransport(config, options.maxCompletionTokens, limiter, logger);
  const meter = createUsageMeter(options.usage, createPricing(config.prices), logger);
  const retry: RetryOptions & { fallbackModel?: string } = {
    maxRetries: options.maxRetries ?? DEFAULT_MAX_RETRIES,
    maxRetryWaitMs: options.maxRetryWaitMs ?? MAX_RETRY_WAIT_MS,
    logger,
    fallbackModel: config.fallbackModel,
  };

  /** Every attempt is metered, also one that failed before any text (the server processed its prompt). */
  const metered = async (request: ChatRequest, attempt: () => Promise<AttemptOutcome>): Promise<ChatResult> => {
    try {
      return await meter.settle(request, await attempt());
    } catch (error) {
      if (!(error instanceof FailedAttempt)) throw error;
      await meter.settle(request, error.outcome);
      throw error.error;
    }
  };
  const call = (label: string, request: ChatRequest) => ({ label, primary: request.model ?? config.model, signal: request.signal });

  return {
    streamChat: (request, handlers = {}) =>
      withFallback(retry, call('stream', request), (model) =>
        metered(request, () => streamAttempt(transport, model, request, handlers, { stallTimeoutMs: config.stallTimeoutMs, logger })),
      ),
    complete: (request) =>
      withFallback(retry, call('complete', request), (model) => metered(request, () => completeAttempt(transport, model, request))),
    async moderate(text, signal) {
      if (!config.moderation || text.trim() === '') return { flagged: false, categories: [] };
      return withRetries(retry, 'moderation', signal, () => moderateOnce(transport, text, signal));
    },
    async close() {
      if (ownsLimiter) await limiter.stop();
    },
  };
}
