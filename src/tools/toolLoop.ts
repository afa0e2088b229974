/**
 * The bounded tool loop, free of I/O of its own: the caller streams each round (limiter, usage, rendering) and
 * the executor runs the calls. Up to `maxRounds` rounds may run tools; then one last round is asked for an
 * answer with `toolChoice: 'none'` (the tools stay in the request so its cached prefix stays the same).
 */
import type { ChatCompletionFunctionTool } from 'openai/resources/chat/completions';
import type { ToolExecutor } from './mcpHost.js';
import { modelFacingErrors, type ToolCallOutcome, type ToolOutcomeKind } from './toolOutcome.js';
import type { ToolCall, ToolExchangeMessage, ToolResultMessage } from './toolMessages.js';

export const DEFAULT_MAX_TOOL_ROUNDS = 5;
/** Calls beyond this in one round are answered with an error result, not run. */
export const MAX_CALLS_PER_ROUND = 16;

export interface RoundRequest {
  /** Empty = send no `tools` and no `tool_choice` at all. */
  tools: ChatCompletionFunctionTool[];
  toolChoice: 'auto' | 'none';
}

export interface RoundResult {
  text: string;
  toolCalls: ToolCall[];
  finishReason: string;
}

export type StreamRound<M, R extends RoundResult> = (
  messages: readonly (M | ToolExchangeMessage)[],
  request: RoundRequest,
) => Promise<R>;

export interface ToolCallRecord {
  id: string;
  name: string;
  server?: string;
  tool?: string;
  kind: ToolOutcomeKind;
  durationMs: number;
}

export interface ToolLoopOptions<M, R extends RoundResult> {
  messages: readonly M[];
  /** The definitions this turn may use (already filtered by the guild's settings). */
  tools: ChatCompletionFunctionTool[];
  executor: ToolExecutor;
  streamRound: StreamRound<M, R>;
  maxRounds?: number;
  /** Before a round's calls run, with the MCP tool names (for "Using `name`…"). */
  onToolUse?(toolNames: string[]): void;
  signal?: AbortSignal;
}

export interface ToolLoopResult<R extends RoundResult> {
  /** The last round's text: the answer. */
  text: string;
  finishReason: string;
  /** Every model round in order (for usage: every round's tokens count). */
  rounds: R[];
  /** Assistant tool-call messages and tool results, in order: store them with the turn. */
  exchange: ToolExchangeMessage[];
  calls: ToolCallRecord[];
}

const displayName = (executor: ToolExecutor, name: string): string => executor.describe(name)?.tool ?? name;

async function runCalls(
  calls: readonly ToolCall[],
  offered: ReadonlySet<string>,
  executor: ToolExecutor,
  signal: AbortSignal | undefined,
): Promise<{ messages: ToolResultMessage[]; records: ToolCallRecord[] }> {
  const outcomes = await Promise.all(
    calls.map((call, i): Promise<ToolCallOutcome> => {
      if (i >= MAX_CALLS_PER_ROUND) {
        const content = modelFacingErrors.tooManyCalls(MAX_CALLS_PER_ROUND);
        return Promise.resolve({ kind: 'skipped', ok: false, content, durationMs: 0 });
      }
      if (!offered.has(call.name)) {
        const content = modelFacingErrors.unknownTool(call.name);
        return Promise.resolve({ kind: 'unknown_tool', ok: false, content, durationMs: 0 });
      }
      return executor.call(call.name, call.arguments, signal);
    }),
  );
  const messages = calls.map((call, i) => ({
    role: 'tool' as const,
    toolCallId: call.id,
    content: outcomes[i]!.content,
  }));
  const records = calls.map((call, i) => {
    const { kind, durationMs, server, tool } = outcomes[i]!;
    return { id: call.id, name: call.name, server, tool, kind, durationMs };
  });
  return { messages, records };
}

export async function runToolLoop<M, R extends RoundResult>(
  options: ToolLoopOptions<M, R>,
): Promise<ToolLoopResult<R>> {
  const { tools, executor, streamRound, signal } = options;
  const maxRounds = tools.length === 0 ? 0 : Math.max(0, options.maxRounds ?? DEFAULT_MAX_TOOL_ROUNDS);
  const offered = new Set(tools.map((tool) => tool.function.name));
  const exchange: ToolExchangeMessage[] = [];
  const rounds: R[] = [];
  const calls: ToolCallRecord[] = [];
  const history = (): (M | ToolExchangeMessage)[] => [...options.messages, ...exchange];

  for (let round = 0; round < maxRounds; round++) {
    signal?.throwIfAborted();
    const result = await streamRound(history(), { tools, toolChoice: 'auto' });
    rounds.push(result);
    if (result.toolCalls.length === 0)
      return { text: result.text, finishReason: result.finishReason, rounds, exchange, calls };
    const toolCalls = result.toolCalls.map((call, i) => ({ ...call, id: call.id || `call_${round}_${i}` }));
    options.onToolUse?.([...new Set(toolCalls.map((call) => displayName(executor, call.name)))]);
    const ran = await runCalls(toolCalls, offered, executor, signal);
    exchange.push({ role: 'assistant', content: result.text, toolCalls }, ...ran.messages);
    calls.push(...ran.records);
  }
  signal?.throwIfAborted();
  const final = await streamRound(history(), { tools, toolChoice: tools.length === 0 ? 'auto' : 'none' });
  rounds.push(final);
  return { text: final.text, finishReason: final.finishReason, rounds, exchange, calls };
}
