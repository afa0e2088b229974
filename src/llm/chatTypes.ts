/** The model client's vocabulary: what callers send, what they get back. Plain data, no SDK types. */
import type { ChatCompletionFunctionTool } from 'openai/resources/chat/completions';
import type { ToolCall, ToolExchangeMessage } from '../tools/toolMessages.js';
import type { ModelError } from './errors.js';
import type { ModelCatalog } from './modelCatalog.js';

/** A piece of a message's content, in the shape OpenAI-compatible servers accept. */
export type ChatPart =
  | { type: 'text'; text: string }
  | { type: 'image_url'; image_url: { url: string; detail?: 'low' | 'high' | 'auto' } };

export interface ContentMessage {
  role: 'system' | 'user' | 'assistant';
  /** A plain string when the message is text only (what every server accepts). */
  content: string | ChatPart[];
}

/** A conversation message: content, or one step of a tool exchange (the model's calls, a tool's result). */
export type ChatMessage = ContentMessage | ToolExchangeMessage;

export interface ChatRequest {
  messages: ChatMessage[];
  /** Our estimate of the prompt (weighs the call in the limiter; usage fallback when the server sends none). */
  promptTokens: number;
  userId: string;
  guildId: string | null;
  model?: string;
  maxCompletionTokens?: number;
  signal?: AbortSignal;
  /** Sent as `prompt_cache_key` when OPENAI_PROMPT_CACHE_KEY allows (the thread id: one thread, one cache route). */
  cacheKey?: string;
  /** Functions the model may call (MCP tools); none = no `tools` in the request. */
  tools?: ChatCompletionFunctionTool[];
  /** `none` on the last tool round: the tools stay in the request (stable cached prefix), the model must answer. */
  toolChoice?: 'auto' | 'none';
}

export interface ChatHandlers {
  onDelta?(text: string): void;
  /** Called once when the model is seen thinking (reasoning deltas, a think tag, or silence before any answer). */
  onThinking?(): void;
  /** Called when the request has to wait for rate-limit capacity. */
  onQueued?(info: { position: number }): void;
}

export interface ChatUsage {
  promptTokens: number;
  completionTokens: number;
  /** Prompt tokens the provider served from its prompt cache (part of promptTokens). */
  cachedTokens: number;
  /** Completion tokens spent on reasoning (part of completionTokens, billed as output). */
  reasoningTokens: number;
  estimated: boolean;
}

export interface ChatResult {
  text: string;
  finishReason: 'stop' | 'length' | 'content_filter' | 'interrupted' | (string & {});
  usage: ChatUsage;
  model: string;
  costUsd: number;
  /** Set when the answer was interrupted after text had reached the caller. */
  error?: ModelError;
  /** The functions the model asked to call (finish reason `tool_calls`). */
  toolCalls?: ToolCall[];
}

export interface ModerationVerdict {
  flagged: boolean;
  categories: string[];
}

export interface ModelClient {
  /** Streams the answer; rejects with a ModelError only if no text reached the caller. */
  streamChat(request: ChatRequest, handlers?: ChatHandlers): Promise<ChatResult>;
  /** Non-streaming (conversation summaries); also through the limiter. */
  complete(request: ChatRequest): Promise<ChatResult>;
  /** `omni-moderation-latest`; not flagged without a request when moderation is off in the config. */
  moderate(text: string, signal?: AbortSignal): Promise<ModerationVerdict>;
  /** The models this client serves: capabilities, windows learned from servers, estimate calibration. */
  readonly catalog: ModelCatalog;
  /** Stops the limiter if this client created it. */
  close(): Promise<void>;
}
