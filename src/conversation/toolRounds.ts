/** An answer that may use MCP tools: the bounded tool loop around the model's streamed rounds. */
import type { ChatCompletionFunctionTool } from 'openai/resources/chat/completions';
import type { ChatHandlers, ChatMessage, ChatRequest, ChatResult } from '../llm/chatTypes.js';
import type { Logger } from '../log.js';
import { runToolLoop } from '../tools/toolLoop.js';
import type { ToolExchangeMessage } from '../tools/toolMessages.js';
import { countTokens, TOKENS_PER_MESSAGE } from '../tokens/tokenCounter.js';
import type { ChatModel } from './ports.js';
import type { ToolHost, TurnObserver } from './turn.js';

export interface ToolRoundsInput {
  model: ChatModel;
  host: ToolHost;
  tools: ChatCompletionFunctionTool[];
  maxRounds: number;
  /** The request of the first round; later rounds add the exchange so far. */
  request: ChatRequest;
  handlers: ChatHandlers;
  onToolUse(toolNames: string[]): void;
  logger: Logger;
  observer?: TurnObserver;
}

/** Tokens a stored tool exchange adds to a request (its text and call arguments, with message framing). */
export function exchangeTokens(exchange: readonly ToolExchangeMessage[]): number {
  return exchange.reduce((sum, message) => {
    const calls = 'toolCalls' in message ? message.toolCalls.map((c) => c.name + c.arguments).join('') : '';
    return sum + countTokens(message.content + calls) + TOKENS_PER_MESSAGE;
  }, 0);
}

/** Every round's usage and cost added up, on the last round's result (the answer). */
function combined(rounds: readonly ChatResult[]): ChatResult {
  const last = rounds[rounds.length - 1]!;
  const sum = (pick: (r: ChatResult) => number) => rounds.reduce((n, r) => n + pick(r), 0);
  const usage = {
    promptTokens: sum((r) => r.usage.promptTokens),
    completionTokens: sum((r) => r.usage.completionTokens),
    cachedTokens: sum((r) => r.usage.cachedTokens),
    reasoningTokens: sum((r) => r.usage.reasoningTokens),
    estimated: rounds.some((r) => r.usage.estimated),
  };
  return { ...last, usage, costUsd: sum((r) => r.costUsd) };
}

export async function answerWithTools(
  input: ToolRoundsInput,
): Promise<{ result: ChatResult; exchange: ToolExchangeMessage[] }> {
  const { request, logger } = input;
  const loop = await runToolLoop<ChatMessage, ChatResult & { toolCalls: NonNullable<ChatResult['toolCalls']> }>({
    messages: request.messages,
    tools: input.tools,
    executor: input.host,
    maxRounds: input.maxRounds,
    onToolUse: input.onToolUse,
    streamRound: async (messages, round) => {
      const added = exchangeTokens(messages.slice(request.messages.length) as ToolExchangeMessage[]);
      const result = await input.model.streamChat(
        { ...request, messages: [...messages], promptTokens: request.promptTokens + added, ...round },
        input.handlers,
      );
      return { ...result, toolCalls: result.toolCalls ?? [] };
    },
  });
  for (const call of loop.calls) {
    // Ids, names, timing and outcome only: arguments and results may hold what users wrote.
    logger.info({ server: call.server, tool: call.tool, durationMs: call.durationMs, outcome: call.kind }, 'tool call');
    input.observer?.toolCalled?.(call.kind);
  }
  return { result: combined(loop.rounds), exchange: loop.exchange };
}
