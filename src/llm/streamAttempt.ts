/** One streamed chat attempt: admission, the SSE stream with its stall timer, deltas to the caller. */
import type { ChatCompletionChunk, ChatCompletionCreateParamsStreaming } from 'openai/resources/chat/completions';
import type { CompletionUsage } from 'openai/resources/completions';
import { APIError } from 'openai';
import type { Logger } from '../log.js';
import type { ChatHandlers, ChatRequest } from './chatTypes.js';
import {
  ModelInterruptedError,
  ModelTimeoutError,
  ModelUnavailableError,
  redactSecrets,
  type InterruptionCause,
} from './errors.js';
import type { Transport } from './openaiTransport.js';
import { hasReasoning, streamTimers, type ReasoningDelta, type StreamTimeouts } from './streamTimers.js';
import { ThinkTagFilter } from './thinkTagFilter.js';
import { createToolCallAccumulator } from '../tools/toolCallDeltas.js';
import type { ToolCall } from '../tools/toolMessages.js';

export type { StreamTimeouts } from './streamTimers.js';

/** What one attempt produced, before usage is priced and recorded. */
export interface AttemptOutcome {
  text: string;
  model: string;
  finishReason: string;
  serverUsage: CompletionUsage | undefined;
  /** Set when the stream broke after text had reached the caller. */
  error?: ModelInterruptedError;
  /** The functions the model asked to call, whole (streamed as `delta.tool_calls` fragments). */
  toolCalls?: ToolCall[];
}

/** A caller's handler failing must not break the stream. */
function safely(logger: Logger, call: () => void): void {
  try {
    call();
  } catch (handlerError) {
    logger.error({ err: handlerError }, 'stream handler threw; the stream continues');
  }
}

/** Thrown when an attempt failed before any text; carries what the attempt cost so usage is still recorded. */
export class FailedAttempt extends Error {
  constructor(
    readonly outcome: AttemptOutcome,
    readonly error: Error,
  ) {
    super(error.message);
  }
}

function describeInterruption(cause: InterruptionCause, timeouts: StreamTimeouts, iterationError: unknown): string {
  if (cause === 'stall') {
    return `no answer chunk in time (first token ${timeouts.firstTokenTimeoutMs} ms, then ${timeouts.stallTimeoutMs} ms)`;
  }
  if (cause === 'cut') return `stream broke: ${iterationError instanceof Error ? iterationError.message : String(iterationError)}`;
  if (cause === 'aborted') return 'cancelled by the caller';
  return 'stream ended without a finish reason';
}

export async function streamAttempt(
  transport: Transport,
  model: string,
  request: ChatRequest,
  handlers: ChatHandlers,
  options: StreamTimeouts & { logger: Logger },
): Promise<AttemptOutcome> {
  const { logger } = options;
  const permit = await transport.admit(request, handlers.onQueued);
  const controller = new AbortController();
  const onCallerAbort = () => controller.abort();
  request.signal?.addEventListener('abort', onCallerAbort, { once: true });
  let stalled = false;
  let thinkingShown = false;
  const thinking = () => {
    if (thinkingShown) return;
    thinkingShown = true;
    safely(logger, () => handlers.onThinking?.());
  };
  const timers = streamTimers(
    options,
    () => {
      stalled = true;
      controller.abort();
    },
    thinking,
  );
  const tags = new ThinkTagFilter();
  const toolCalls = createToolCallAccumulator();
  const deliver = (text: string) => {
    if (text === '') return;
    outcome.text += text;
    safely(logger, () => handlers.onDelta?.(text));
  };

  const outcome: AttemptOutcome = { text: '', model, finishReason: 'interrupted', serverUsage: undefined };
  let finishReason: string | undefined;
  let iterationError: unknown;
  try {
    const body: ChatCompletionCreateParamsStreaming = {
      ...transport.baseBody(model, request),
      stream: true,
      stream_options: { include_usage: true },
    };
    const stream: AsyncIterable<ChatCompletionChunk> = await transport.send(
      transport.openai.chat.completions.create(body, { signal: controller.signal }),
    );
    timers.opened();
    try {
      for await (const chunk of stream) {
        if (chunk.model) outcome.model = chunk.model;
        if (chunk.usage) outcome.serverUsage = chunk.usage;
        const choice = chunk.choices[0];
        const delta = choice?.delta as ReasoningDelta | undefined;
        if (hasReasoning(delta)) thinking();
        const answer = delta?.content ? tags.push(delta.content) : '';
        if (tags.thinking) thinking();
        const calling = (choice?.delta?.tool_calls?.length ?? 0) > 0;
        toolCalls.add(choice?.delta?.tool_calls);
        timers.chunk(answer !== '' || calling);
        deliver(answer);
        if (choice?.finish_reason) finishReason = choice.finish_reason;
      }
      deliver(tags.flush());
    } catch (error) {
      // A cut connection surfaces here (undici: `TypeError: terminated`), not from create(); so does a
      // `data: {"error": …}` event inside the stream (the SDK throws it as an APIError without a status).
      iterationError = error;
      if (error instanceof APIError && error.status === undefined) {
        logger.warn({ model: outcome.model, reason: redactSecrets(error.message) }, 'model stream sent an error event');
      }
    }
  } finally {
    timers.clear();
    request.signal?.removeEventListener('abort', onCallerAbort);
  }

  transport.settleTokens(permit.tokens, request, outcome.serverUsage);
  // A finish_reason means the answer is whole, even if the usage chunk never came.
  const calls = toolCalls.calls();
  if (finishReason !== undefined) return { ...outcome, finishReason, ...(calls.length > 0 ? { toolCalls: calls } : {}) };

  const cause: InterruptionCause =
    request.signal?.aborted ? 'aborted'
    : stalled ? 'stall'
    : iterationError !== undefined ? 'cut'
    : 'incomplete';
  const detail = describeInterruption(cause, options, iterationError);
  if (outcome.text === '') {
    // Nothing reached the caller: fail, and let the retry loop decide (cancellations are never retried).
    if (cause === 'aborted') throw new FailedAttempt(outcome, new ModelInterruptedError(detail, cause));
    if (cause === 'stall') throw new FailedAttempt(outcome, new ModelTimeoutError(`stream stalled before any text: ${detail}`));
    throw new FailedAttempt(
      outcome,
      new ModelUnavailableError(`stream failed before any text: ${detail}`, { cause: iterationError }),
    );
  }
  const error = new ModelInterruptedError(`answer interrupted: ${detail}`, cause, { cause: iterationError });
  logger.warn({ model: outcome.model, cause, chars: outcome.text.length }, 'model stream interrupted after text was delivered');
  return { ...outcome, error };
}
