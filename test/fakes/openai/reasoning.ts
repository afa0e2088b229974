/** The fake's reasoning streams, server context windows and the prompt view its cache sees (helpers of fakeOpenAI). */
import type { ServerResponse } from 'node:http';
import type { ChatCompletionCreateParams } from 'openai/resources/chat/completions';
import { countTokens } from '../../../src/tokens/tokenCounter.js';
import type { FakeContextWindow, FakeReasoning, RecordedRequest } from './fakeOpenAI.js';
import type { CacheMessage } from './promptCache.js';

const DEFAULT_THOUGHT = 'Let me think about this step by step before I answer.';
const SILENT_REASONING_TOKENS = 200;
/** Think-tag text is cut this small so that `<think>` and `</think>` always straddle chunk boundaries. */
const TAG_PIECE_CHARS = 3;
const REASONING_PIECE_CHARS = 12;

export function reasoningTokensOf(reasoning: FakeReasoning | undefined): number {
  if (!reasoning) return 0;
  if (reasoning.tokens !== undefined) return reasoning.tokens;
  return reasoning.style === 'silent' ? SILENT_REASONING_TOKENS : countTokens(reasoning.text ?? DEFAULT_THOUGHT);
}

const cut = (text: string, size: number): string[] => {
  const pieces: string[] = [];
  for (let i = 0; i < text.length; i += size) pieces.push(text.slice(i, i + size));
  return pieces;
};

/** The deltas a reasoning model streams before its answer, with the pause before each. */
export function reasoningSteps(
  reasoning: FakeReasoning | undefined,
): Array<{ delta: Record<string, unknown>; waitMs: number }> {
  if (!reasoning || reasoning.style === 'silent') return [];
  const text = reasoning.text ?? DEFAULT_THOUGHT;
  const pieces =
    reasoning.style === 'think_tags'
      ? cut(`<think>${text}</think>\n\n`, TAG_PIECE_CHARS)
      : cut(text, REASONING_PIECE_CHARS);
  const waitMs = (reasoning.thinkMs ?? 0) / Math.max(1, pieces.length);
  const field = reasoning.style === 'think_tags' ? 'content' : reasoning.style;
  return pieces.map((piece) => ({ delta: { [field]: piece }, waitMs }));
}

/** OpenAI counts the prompt plus the completion cap against the window; llama.cpp only the prompt. */
export function exceedsWindow(record: RecordedRequest, window: FakeContextWindow): boolean {
  if (window.shape === 'llamacpp') return record.promptTokens > window.tokens;
  return record.promptTokens + (record.completionCap ?? 0) > window.tokens;
}

/** 400 in the server's own shape: OpenAI's `context_length_exceeded`, or llama.cpp's `exceed_context_size_error`. */
export function sendContextErrorWith(
  res: ServerResponse,
  record: RecordedRequest,
  window: FakeContextWindow,
  onSend: (status: number, body: unknown) => void,
): void {
  const prompt = record.promptTokens;
  const body =
    window.shape === 'llamacpp'
      ? {
          error: {
            code: 400,
            message: 'the request exceeds the available context size, try increasing it',
            type: 'exceed_context_size_error',
            n_prompt_tokens: prompt,
            n_ctx: window.tokens,
          },
        }
      : {
          error: {
            message:
              `This model's maximum context length is ${window.tokens} tokens. However, you requested ` +
              `${prompt + (record.completionCap ?? 0)} tokens (${prompt} in the messages, ${record.completionCap ?? 0} in the completion). ` +
              'Please reduce the length of the messages or completion.',
            type: 'invalid_request_error',
            param: 'messages',
            code: 'context_length_exceeded',
          },
        };
  onSend(400, body);
  const text = JSON.stringify(body);
  res.writeHead(400, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

const textOf = (content: unknown): string =>
  typeof content === 'string'
    ? content
    : Array.isArray(content)
      ? content.map((p: { text?: unknown }) => (typeof p.text === 'string' ? p.text : '')).join('')
      : '';

export const cacheMessagesOf = (body: ChatCompletionCreateParams): CacheMessage[] =>
  (Array.isArray(body.messages) ? body.messages : []).map((m) => ({ role: m.role, text: textOf(m.content) }));
