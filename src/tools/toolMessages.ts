/**
 * The messages a tool exchange adds to a conversation, in our own camelCase shape (like the chat message type)
 * and their OpenAI wire form. Tool output only ever travels in a `tool` message: it is data for the model, never
 * a system or settings change.
 */
import type {
  ChatCompletionAssistantMessageParam,
  ChatCompletionToolMessageParam,
} from 'openai/resources/chat/completions';

export interface ToolCall {
  id: string;
  /** The function name offered to the model (`<server>__<tool>`). */
  name: string;
  /** The JSON text the model wrote (possibly invalid: it is checked before any call). */
  arguments: string;
}

export interface AssistantToolCallsMessage {
  role: 'assistant';
  /** Any text the model wrote before asking for tools (often empty). */
  content: string;
  toolCalls: ToolCall[];
}

export interface ToolResultMessage {
  role: 'tool';
  toolCallId: string;
  /** Untrusted tool output (or our error text), already truncated. */
  content: string;
}

export type ToolExchangeMessage = AssistantToolCallsMessage | ToolResultMessage;

export function toOpenAIToolMessage(
  message: ToolExchangeMessage,
): ChatCompletionAssistantMessageParam | ChatCompletionToolMessageParam {
  if (message.role === 'tool') return { role: 'tool', tool_call_id: message.toolCallId, content: message.content };
  return {
    role: 'assistant',
    // null is what OpenAI itself returns beside tool_calls; some compatible servers reject an empty string.
    content: message.content === '' ? null : message.content,
    tool_calls: message.toolCalls.map((call) => ({
      id: call.id,
      type: 'function',
      function: { name: call.name, arguments: call.arguments },
    })),
  };
}
