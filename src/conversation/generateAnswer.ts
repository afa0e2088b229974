/**
 * The model call of a turn. A server whose window is smaller than we thought (context error) teaches the catalog
 * its size; the prompt is rebuilt to fit and sent once more.
 */
import type { ChatHandlers, ChatResult } from '../llm/chatTypes.js';
import { ContextExceededError } from '../llm/errors.js';
import type { Logger } from '../log.js';
import { modelErrorStrings } from '../strings.js';
import type { ChatModel } from './ports.js';
import type { PreparedPrompt, PromptBuilder, PromptInput } from './promptBuilder.js';
import { TurnRefused, type TurnRequest } from './turn.js';

export type PreparedTurn = PreparedPrompt & Omit<PromptInput, 'request'>;

export interface Generated {
  prepared: PreparedTurn;
  result: ChatResult;
}

export interface GenerateDeps {
  model: ChatModel;
  prompts: PromptBuilder;
  logger: Logger;
  maxCompletionTokens: number;
}

export async function generateAnswer(
  deps: GenerateDeps,
  request: TurnRequest,
  prepared: PreparedTurn,
  handlers: ChatHandlers,
): Promise<Generated> {
  const { model, logger } = deps;
  // Only a small model window lowers the cap; otherwise the client's MAX_COMPLETION_TOKENS applies.
  const cap = (p: PreparedTurn) =>
    p.maxCompletionTokens < deps.maxCompletionTokens ? { maxCompletionTokens: p.maxCompletionTokens } : {};
  const call = (p: PreparedTurn) =>
    model.streamChat(
      {
        messages: p.messages,
        promptTokens: p.promptTokens,
        userId: request.userId,
        guildId: request.guildId,
        model: p.model,
        cacheKey: request.threadId,
        ...cap(p),
      },
      handlers,
    );
  try {
    return { prepared, result: await call(prepared) };
  } catch (error) {
    if (!(error instanceof ContextExceededError) || !model.catalog) throw error;
    if (error.promptTokens) model.catalog.observePrompt(prepared.model, prepared.promptTokens, error.promptTokens);
    // Without a size in the error, assume the window is a good step below what was just sent.
    const sent = prepared.promptTokens + prepared.maxCompletionTokens;
    model.catalog.learnWindow(prepared.model, error.contextWindow ?? Math.floor(sent * 0.75));
    const fields = { thread: request.threadId, model: prepared.model, window: error.contextWindow };
    logger.warn(fields, 'context window smaller than configured; refitting');
    const { meta, systemPrompt, userParts } = prepared;
    const refitted = await deps.prompts
      .build({ request, meta, systemPrompt, model: prepared.model, userParts })
      .catch((refit: unknown) => {
        throw refit instanceof TurnRefused ? new TurnRefused(modelErrorStrings.contextExceeded) : refit;
      });
    const retried = { ...prepared, ...refitted };
    return { prepared: retried, result: await call(retried) };
  }
}
