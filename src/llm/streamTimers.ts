/** The timers of one stream, and how reasoning shows in a chunk. */

export interface StreamTimeouts {
  /** Between chunks once answer text flows. */
  stallTimeoutMs: number;
  /** From the response headers to the first answer token: a reasoning model may think silently this long. */
  firstTokenTimeoutMs: number;
}

/** With no answer text this long after the headers, the model is taken to be thinking silently (OpenAI style). */
export const SILENT_THINKING_AFTER_MS = 1_500;

export type ReasoningDelta = { content?: string | null; reasoning_content?: unknown; reasoning?: unknown };

/** Reasoning text some servers stream beside the answer (DeepSeek/vLLM/llama.cpp, OpenRouter): never kept. */
export const hasReasoning = (delta: ReasoningDelta | undefined): boolean =>
  (typeof delta?.reasoning_content === 'string' && delta.reasoning_content !== '') ||
  (typeof delta?.reasoning === 'string' && delta.reasoning !== '');

/** The timers of one stream: a long one until the first answer token, the stall timer between chunks after. */
export function streamTimers(timeouts: StreamTimeouts, onExpire: () => void, onSilentThinking: () => void) {
  let timer: NodeJS.Timeout | undefined;
  let silence: NodeJS.Timeout | undefined;
  let answering = false;
  return {
    opened() {
      timer = setTimeout(onExpire, timeouts.firstTokenTimeoutMs);
      silence = setTimeout(onSilentThinking, SILENT_THINKING_AFTER_MS);
    },
    /** Any chunk: re-arms the stall timer once the answer has begun. */
    chunk(answerText: boolean) {
      if (answerText && !answering) {
        answering = true;
        clearTimeout(silence);
      }
      if (!answering) return;
      clearTimeout(timer);
      timer = setTimeout(onExpire, timeouts.stallTimeoutMs);
    },
    clear() {
      clearTimeout(timer);
      clearTimeout(silence);
    },
  };
}
