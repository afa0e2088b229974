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
import { ModelRejectedError } from './errors.js';
import { createModelCatalog, type ModelCatalog } from './modelCatalog.js';
import { pricingFrom } from './pricing.js';
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
  /** Per-model capabilities and what servers taught us; created from the config when omitted. */
  catalog?: ModelCatalog;
}

const DEFAULT_MAX_RETRIES = 2;
const MAX_RETRY_WAIT_MS = 60_000;

export function createModelClient(options: ModelClientOptions): ModelClient {
  const { config } = options;
  const logger = options.logger ?? silentLogger();
  const ownsLimiter = options.limiter === undefined;
  const limiter = options.limiter ?? createRateLimiter({ rpm: config.rpm, tpm: config.tpm });
  const catalog = options.catalog ?? createModelCatalog(config);
  const transport = createTransport(config, options.maxCompletionTokens, limiter, logger, catalog);
  const meter = createUsageMeter(options.usage, pricingFrom(catalog), logger, catalog.observePrompt);
  let moderationAvailable = config.moderation;
  const timeouts = { stallTimeoutMs: config.stallTimeoutMs, firstTokenTimeoutMs: config.firstTokenTimeoutMs, logger };
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
  const call = (label: string, request: ChatRequest) => ({
    label,
    primary: request.model ?? config.model,
    signal: request.signal,
  });

  return {
    streamChat: (request, handlers = {}) =>
      withFallback(retry, call('stream', request), (model) =>
        metered(request, () => streamAttempt(transport, model, request, handlers, timeouts)),
      ),
    complete: (request) =>
      withFallback(retry, call('complete', request), (model) =>
        metered(request, () => completeAttempt(transport, model, request)),
      ),
    async moderate(text, signal) {
      if (!moderationAvailable || text.trim() === '') return { flagged: false, categories: [] };
      try {
        return await withRetries(retry, 'moderation', signal, () => moderateOnce(transport, text, signal));
      } catch (error) {
        // A compatible server without /v1/moderations (llama.cpp): say so once and stop asking, not fail every turn.
        if (!(error instanceof ModelRejectedError) || error.status !== 404) throw error;
        moderationAvailable = false;
        logger.warn({ status: 404 }, 'OPENAI_MODERATION is on but the server has no moderation endpoint; now off');
        return { flagged: false, categories: [] };
      }
    },
    catalog,
    async close() {
      if (ownsLimiter) await limiter.stop();
    },
  };
}
