/** Turns an attempt's outcome into a priced ChatResult and records its usage (per user, guild and day). */
import type { Logger } from '../log.js';
import type { UsageRecorder } from '../store/types.js';
import { countTokensAsync } from '../tokens/tokenCounter.js';
import type { ChatRequest, ChatResult, ChatUsage } from './chatTypes.js';
import type { Pricing } from './pricing.js';
import type { AttemptOutcome } from './streamAttempt.js';

export interface UsageMeter {
  /** Price and record one attempt; a recording failure is logged, never thrown. */
  settle(request: ChatRequest, outcome: AttemptOutcome): Promise<ChatResult>;
}

export function createUsageMeter(
  recorder: UsageRecorder,
  pricing: Pricing,
  logger: Logger,
  /** Feeds the estimate calibration (our prompt estimate next to the server's count). */
  observe?: (model: string, estimated: number, reported: number) => void,
): UsageMeter {
  return {
    async settle(request, outcome) {
      const server = outcome.serverUsage;
      const usage: ChatUsage = server
        ? {
            promptTokens: server.prompt_tokens,
            completionTokens: server.completion_tokens,
            cachedTokens: server.prompt_tokens_details?.cached_tokens ?? 0,
            reasoningTokens: server.completion_tokens_details?.reasoning_tokens ?? 0,
            estimated: false,
          }
        : {
            promptTokens: request.promptTokens,
            completionTokens: await countTokensAsync(outcome.text),
            cachedTokens: 0,
            reasoningTokens: 0,
            estimated: true,
          };
      if (server) observe?.(outcome.model, request.promptTokens, server.prompt_tokens);
      const costUsd = pricing.costUsd(outcome.model, usage.promptTokens, usage.completionTokens, usage.cachedTokens);
      try {
        await recorder.recordUsage({
          userId: request.userId,
          guildId: request.guildId,
          at: Date.now(),
          promptTokens: usage.promptTokens,
          completionTokens: usage.completionTokens,
          cachedTokens: usage.cachedTokens,
          reasoningTokens: usage.reasoningTokens,
          requests: 1,
          costUsd,
        });
      } catch (recordError) {
        logger.error({ err: recordError }, 'could not record model usage');
      }
      const { text, model, finishReason, error, toolCalls } = outcome;
      return {
        text,
        finishReason,
        usage,
        model,
        costUsd,
        ...(error ? { error } : {}),
        ...(toolCalls ? { toolCalls } : {}),
      };
    },
  };
}
