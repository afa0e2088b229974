/**
 * What the conversation engine needs from the outside, as small interfaces of its own.
 * The model client (src/llm) and the renderer (src/render) satisfy these structurally.
 */

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface ChatRequest {
  messages: ChatMessage[];
  /** Our own estimate of the prompt, used to weigh the call in the limiter. */
  promptTokens: number;
  userId: string;
  guildId: string | null;
  model?: string;
  maxCompletionTokens?: number;
}

export interface ChatResult {
  text: string;
  finishReason: string;
  usage: { promptTokens: number; completionTokens: number; estimated: boolean };
  model: string;
  costUsd: number;
  /** Set when the stream broke after text had reached the caller. */
  error?: Error & { userMessage?: string };
}

export interface ChatModel {
  streamChat(
    request: ChatRequest,
    handlers: { onDelta?(text: string): void; onQueued?(info: { position: number }): void },
  ): Promise<ChatResult>;
  complete(request: ChatRequest): Promise<ChatResult>;
  moderate(text: string): Promise<{ flagged: boolean; categories: string[] }>;
}
