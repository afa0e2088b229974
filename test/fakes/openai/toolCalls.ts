/**
 * Tool calling in the fake OpenAI: scripted calls streamed as OpenAI streams them (per call one chunk with
 * `index`, `id`, `type`, `function.name` and empty arguments, then argument fragments carrying only `index`), and
 * the checks OpenAI makes on a follow-up request that the OpenAPI schema cannot express (message ordering).
 */
import type { ChatCompletionChunk, ChatCompletionCreateParams } from 'openai/resources/chat/completions';

export interface FakeToolCall {
  /** Default: `call_fake<N>`. */
  id?: string;
  name: string;
  /** Sent as written when a string (invalid JSON on purpose is allowed), else JSON-encoded. */
  arguments: string | Record<string, unknown>;
}

export interface FakeToolCallAnswer {
  toolCalls: FakeToolCall[];
  /** Text the model "says" before calling (streamed first). */
  text?: string;
}

export interface ResolvedToolCall {
  id: string;
  name: string;
  arguments: string;
}

type ToolCallDelta = ChatCompletionChunk.Choice.Delta.ToolCall;
const ARGUMENT_PIECE_CHARS = 6;
const FUNCTION_NAME = /^[a-zA-Z0-9_-]{1,64}$/;
let callCounter = 0;

export const argumentsText = (call: FakeToolCall): string =>
  typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments);

/** The resolved calls (ids filled in), in index order. */
export function resolveToolCalls(calls: readonly FakeToolCall[]): ResolvedToolCall[] {
  return calls.map((call) => ({
    id: call.id ?? `call_fake${++callCounter}`,
    name: call.name,
    arguments: argumentsText(call),
  }));
}

/** The `delta.tool_calls` arrays to stream, one per chunk. */
export function toolCallDeltas(calls: readonly ResolvedToolCall[]): ToolCallDelta[][] {
  const out: ToolCallDelta[][] = [];
  calls.forEach((call, index) => {
    out.push([{ index, id: call.id, type: 'function', function: { name: call.name, arguments: '' } }]);
    const args = call.arguments;
    for (let i = 0; i < args.length; i += ARGUMENT_PIECE_CHARS) {
      out.push([{ index, function: { arguments: args.slice(i, i + ARGUMENT_PIECE_CHARS) } }]);
    }
  });
  return out;
}

/**
 * OpenAI's own 400s for tool messages out of order (wording as the API sends it): every assistant message with
 * `tool_calls` must be followed by one tool message per id before any other message, and a tool message must
 * answer such a call. Also the function-name rule the schema only states in prose.
 */
export function toolMessageProblems(body: Partial<ChatCompletionCreateParams>): { pointer: string; message: string }[] {
  const problems: { pointer: string; message: string }[] = [];
  (body.tools ?? []).forEach((tool, i) => {
    if (tool.type === 'function' && !FUNCTION_NAME.test(tool.function.name)) {
      problems.push({
        pointer: `/tools/${i}/function/name`,
        message:
          `Invalid 'tools[${i}].function.name': string does not match pattern. ` +
          "Expected a string that matches the pattern '^[a-zA-Z0-9_-]+$'.",
      });
    }
  });
  const messages = body.messages ?? [];
  let open = new Set<string>();
  let openAt = -1;
  messages.forEach((message, i) => {
    if (message.role === 'tool') {
      if (!open.delete(message.tool_call_id)) {
        problems.push({
          pointer: `/messages/${i}`,
          message:
            "Invalid parameter: messages with role 'tool' must be a response to a preceeding message with " +
            "'tool_calls'.",
        });
      }
      return;
    }
    if (open.size > 0) problems.push(unanswered(openAt, open));
    open = new Set(message.role === 'assistant' ? (message.tool_calls ?? []).map((call) => call.id) : []);
    openAt = i;
  });
  if (open.size > 0) problems.push(unanswered(openAt, open));
  return problems;
}

function unanswered(index: number, ids: Set<string>): { pointer: string; message: string } {
  return {
    pointer: `/messages/${index}`,
    message:
      "An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. " +
      `The following tool_call_ids did not have response messages: ${[...ids].join(', ')}`,
  };
}
