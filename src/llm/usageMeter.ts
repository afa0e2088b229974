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

export function createUsageMeter(recorder: UsageRecorder, pricing: Pricing, logger: Logger): UsageMeter {
  return {
    async settle(request, outcome) {
      const server = outcome.serverUsage;
      const usage: ChatUsage = server
        ? { promptTokens: server.prompt_tokens, completionTokens: server.completion_tokens, estimated: false }
        : { promptTokens: request.promptTokens, completionTokens: await countTokensAsync(outcome.text), estimated: true };
      const costUsd = pricing.costUsd(outcome.model, usage.promptTokens, usage.completionTokens);
      try {
        await recorder.recordUsage({
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
      const { text, model, finishReason, error } = outcome;
      return { text, finishReason, usage, model, costUsd, ...(error ? { error } : {}) };
    },
  };
}
