/**
 * The model call of a turn, with MCP tools when the server allows them. A server whose window is smaller than we
 * thought (context error) teaches the catalog its size; the prompt is rebuilt to fit and sent once more.
 */
import type { ChatHandlers, ChatRequest, ChatResult } from '../llm/chatTypes.js';
import { ContextExceededError } from '../llm/errors.js';
import type { Logger } from '../log.js';
import type { GuildSettings } from '../store/types.js';
import { modelErrorStrings } from '../strings.js';
import type { ToolExchangeMessage } from '../tools/toolMessages.js';
import type { ChatModel } from './ports.js';
import type { PreparedPrompt, PromptBuilder, PromptInput } from './promptBuilder.js';
import { answerWithTools } from './toolRounds.js';
import { TurnRefused, type ToolHost, type TurnObserver, type TurnRequest } from './turn.js';

/** Everything the model call and the commit need: the prompt, what it was built from, the server's settings. */
export type PreparedTurn = PreparedPrompt & Omit<PromptInput, 'request'> & { guildSettings: GuildSettings };

export interface Generated {
  prepared: PreparedTurn;
  result: ChatResult;
  /** Tool calls and results of this answer (empty without tools), stored with it. */
  exchange: ToolExchangeMessage[];
}

export interface GenerateDeps {
  model: ChatModel;
  prompts: PromptBuilder;
  logger: Logger;
  maxCompletionTokens: number;
  tools?: ToolHost;
  maxToolRounds: number;
  observer?: TurnObserver;
}

export interface GenerateOptions {
  handlers: ChatHandlers;
  /** `/settings tools`: false when the server turned tools off. */
  toolsAllowed: boolean;
  onToolUse(toolNames: string[]): void;
  /** Stop: cancels the model request (and a running tool call). */
  signal?: AbortSignal;
}

export async function generateAnswer(
  deps: GenerateDeps,
  request: TurnRequest,
  prepared: PreparedTurn,
  options: GenerateOptions,
): Promise<Generated> {
  const { model, logger } = deps;
  try {
    return { prepared, ...(await answer(deps, request, prepared, options)) };
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
    return { prepared: retried, ...(await answer(deps, request, retried, options)) };
  }
}

async function answer(deps: GenerateDeps, request: TurnRequest, p: PreparedTurn, options: GenerateOptions) {
  const chat: ChatRequest = {
    messages: p.messages,
    promptTokens: p.promptTokens,
    userId: request.userId,
    guildId: request.guildId,
    model: p.model,
    cacheKey: request.threadId,
    ...(options.signal ? { signal: options.signal } : {}),
    // Only a small model window lowers the cap; otherwise the client's MAX_COMPLETION_TOKENS applies.
    ...(p.maxCompletionTokens < deps.maxCompletionTokens ? { maxCompletionTokens: p.maxCompletionTokens } : {}),
  };
  const tools = options.toolsAllowed && deps.maxToolRounds > 0 ? (deps.tools?.definitions() ?? []) : [];
  if (!deps.tools || tools.length === 0) {
    return { result: await deps.model.streamChat(chat, options.handlers), exchange: [] };
  }
  return answerWithTools({
    model: deps.model,
    host: deps.tools,
    tools,
    maxRounds: deps.maxToolRounds,
    request: chat,
    handlers: options.handlers,
    onToolUse: options.onToolUse,
    logger: deps.logger,
    ...(deps.observer ? { observer: deps.observer } : {}),
  });
}
