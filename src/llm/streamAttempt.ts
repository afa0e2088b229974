/** One streamed chat attempt: admission, the SSE stream with its stall timer, deltas to the caller. */
import type { ChatCompletionChunk, ChatCompletionCreateParamsStreaming } from 'openai/resources/chat/completions';
import type { CompletionUsage } from 'openai/resources/completions';
import type { Logger } from '../log.js';
import type { ChatHandlers, ChatRequest } from './chatTypes.js';
import { ChunkReader } from './chunkReader.js';
import { ModelInterruptedError, ModelTimeoutError, ModelUnavailableError, type InterruptionCause } from './errors.js';
import type { Transport } from './openaiTransport.js';
import { streamTimers, type StreamTimeouts } from './streamTimers.js';
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
  if (cause === 'cut')
    return `stream broke: ${iterationError instanceof Error ? iterationError.message : String(iterationError)}`;
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
  const permit = await transport.admit(request, handlers.onQueued);
  const controller = new AbortController();
  const onCallerAbort = () => controller.abort();
  request.signal?.addEventListener('abort', onCallerAbort, { once: true });
  let stalled = false;
  const reader = new ChunkReader(model, handlers, options.logger);
  const timers = streamTimers(
    options,
    () => {
      stalled = true;
      controller.abort();
    },
    () => reader.thinking(),
  );
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
    iterationError = await reader.readAll(stream, (answerText) => timers.chunk(answerText));
  } finally {
    timers.clear();
    request.signal?.removeEventListener('abort', onCallerAbort);
  }

  const { outcome, finishReason } = reader;
  transport.settleTokens(permit.tokens, request, outcome.serverUsage);
  // A finish_reason means the answer is whole, even if the usage chunk never came.
  const calls = reader.calls();
  if (finishReason !== undefined)
    return { ...outcome, finishReason, ...(calls.length > 0 ? { toolCalls: calls } : {}) };

  const cause: InterruptionCause = request.signal?.aborted
    ? 'aborted'
    : stalled
      ? 'stall'
      : iterationError !== undefined
        ? 'cut'
        : 'incomplete';
  return interrupted(
    outcome,
    cause,
    describeInterruption(cause, options, iterationError),
    iterationError,
    options.logger,
  );
}

/** The stream ended without a finish reason: fail the attempt if nothing reached the caller, else keep the text. */
function interrupted(
  outcome: AttemptOutcome,
  cause: InterruptionCause,
  detail: string,
  iterationError: unknown,
  logger: Logger,
): AttemptOutcome {
  if (outcome.text === '') {
    // Nothing reached the caller: fail, and let the retry loop decide (cancellations are never retried).
    if (cause === 'aborted') throw new FailedAttempt(outcome, new ModelInterruptedError(detail, cause));
    if (cause === 'stall')
      throw new FailedAttempt(outcome, new ModelTimeoutError(`stream stalled before any text: ${detail}`));
    throw new FailedAttempt(
      outcome,
      new ModelUnavailableError(`stream failed before any text: ${detail}`, { cause: iterationError }),
    );
  }
  const error = new ModelInterruptedError(`answer interrupted: ${detail}`, cause, { cause: iterationError });
  logger.warn(
    { model: outcome.model, cause, chars: outcome.text.length },
    'model stream interrupted after text was delivered',
  );
  return { ...outcome, error };
}
