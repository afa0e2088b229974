/**
 * The one request helper every model call uses: admission through the shared limiter, the SDK call with its
 * rate-limit headers fed back into the limiter, errors mapped onto our typed ModelErrors.
 */
import OpenAI from 'openai';
import type { ChatCompletionFunctionTool, ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import { toOpenAIToolMessage } from '../tools/toolMessages.js';
import type { CompletionUsage } from 'openai/resources/completions';
import type { Config } from '../config/config.js';
import type { Logger } from '../log.js';
import type { ChatHandlers, ChatMessage, ChatRequest } from './chatTypes.js';
import { toModelError, ModelInterruptedError, ModelUnavailableError, type ModelError } from './errors.js';
import { LimiterAbortedError, LimiterStoppedError, type ModelRateLimiter, type Permit } from './limiter.js';
import { createModelTable, type ModelTable } from './models.js';
import { readRateLimitHeaders } from './rateLimitHeaders.js';
import { safetyIdentifier } from './safetyIdentifier.js';

/** Like toModelError, plus the limiter's own errors. */
export function classify(error: unknown): ModelError {
  if (error instanceof LimiterAbortedError) return new ModelInterruptedError(error.message, 'aborted');
  if (error instanceof LimiterStoppedError) return new ModelUnavailableError(error.message);
  return toModelError(error);
}

type WithResponse<T> = { withResponse(): Promise<{ data: T; response: Response }> };

export interface Transport {
  readonly openai: OpenAI;
  completionCap(request: ChatRequest): number;
  /** The body fields every chat call shares. */
  baseBody(
    model: string,
    request: ChatRequest,
  ): {
    model: string;
    messages: ChatCompletionMessageParam[];
    max_tokens?: number;
    max_completion_tokens?: number;
    safety_identifier: string;
    reasoning_effort?: NonNullable<Config['openai']['reasoningEffort']>;
    prompt_cache_key?: string;
    tools?: ChatCompletionFunctionTool[];
    tool_choice?: 'auto' | 'none';
  };
  /** Wait for limiter capacity for this request. */
  admit(request: ChatRequest, onQueued?: ChatHandlers['onQueued']): Promise<Permit>;
  /** One HTTP call; `observeLimits: false` for endpoints whose limits are not the chat limits (moderation). */
  send<T>(call: WithResponse<T>, options?: { observeLimits?: boolean }): Promise<T>;
  /** The server charged its own prompt count + our cap; we charged our estimate + cap. Settle the difference. */
  settleTokens(charged: number, request: ChatRequest, serverUsage: CompletionUsage | undefined): void;
}

function toMessageParam(message: ChatMessage): ChatCompletionMessageParam {
  if (message.role === 'tool' || 'toolCalls' in message) return toOpenAIToolMessage(message);
  if (message.role === 'user') return { role: 'user', content: message.content };
  const text =
    typeof message.content === 'string'
      ? message.content
      : message.content.map((p) => (p.type === 'text' ? p.text : '')).join('');
  return message.role === 'system' ? { role: 'system', content: text } : { role: 'assistant', content: text };
}

/** Follows the server's `x-ratelimit-*` headers; warns once when the configured limits are above the server's. */
function limitsObserver(
  config: Config['openai'],
  limiter: ModelRateLimiter,
  logger: Logger,
): (headers: Headers | undefined) => void {
  let warnedLimits = false;
  return (headers: Headers | undefined): void => {
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
}

/** The chat request body every call shares (streaming adds its own fields). */
function requestBody(
  config: Config['openai'],
  models: ModelTable,
  model: string,
  request: ChatRequest,
  cap: number,
): ReturnType<Transport['baseBody']> {
  // OPENAI_USE_MAX_TOKENS forces the old name; else the model's own entry (an operator override) decides.
  const param = config.useMaxTokens ? 'max_tokens' : models.capabilities(model).tokenParam;
  return {
    model,
    messages: request.messages.map(toMessageParam),
    ...(param === 'max_tokens' ? { max_tokens: cap } : { max_completion_tokens: cap }),
    safety_identifier: safetyIdentifier(request.userId),
    ...(config.reasoningEffort ? { reasoning_effort: config.reasoningEffort } : {}),
    ...(config.promptCacheKey && request.cacheKey ? { prompt_cache_key: request.cacheKey } : {}),
    ...(request.tools?.length ? { tools: request.tools, tool_choice: request.toolChoice ?? 'auto' } : {}),
  };
}

export function createTransport(
  config: Config['openai'],
  maxCompletionTokens: number,
  limiter: ModelRateLimiter,
  logger: Logger,
  models: ModelTable = createModelTable(config.capabilities, config.prices),
): Transport {
  const openai = new OpenAI({
    apiKey: config.apiKey,
    baseURL: config.baseURL,
    maxRetries: 0, // we retry ourselves, through the limiter (retryPolicy.ts)
    timeout: config.timeoutMs, // until response headers arrive; the stall timer covers the body
    logLevel: 'off', // we log ourselves, without message content
  });
  const observeHeaders = limitsObserver(config, limiter, logger);

  const completionCap = (request: ChatRequest) => request.maxCompletionTokens ?? maxCompletionTokens;

  return {
    openai,
    completionCap,
    baseBody: (model, request) => requestBody(config, models, model, request, completionCap(request)),
    admit: (request, onQueued) =>
      limiter.acquire(limiter.weigh(request.promptTokens, completionCap(request)), {
        signal: request.signal,
        onQueued,
      }),
    async send(call, { observeLimits = true } = {}) {
      try {
        const { data, response } = await call.withResponse();
        if (observeLimits) observeHeaders(response.headers);
        return data;
      } catch (error) {
        if (observeLimits && error instanceof OpenAI.APIError) observeHeaders(error.headers);
        throw classify(error);
      }
    },
    settleTokens(charged, request, serverUsage) {
      if (!serverUsage) return;
      const actual = Math.min(limiter.capacity.tokens, serverUsage.prompt_tokens + completionCap(request));
      void limiter.correctTokens(charged - actual);
    },
  };
}
