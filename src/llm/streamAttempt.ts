/** One streamed chat attempt: admission, the SSE stream with its stall timer, deltas to the caller. */
import type { ChatCompletionChunk, ChatCompletionCreateParamsStreaming } from 'openai/resources/chat/completions';
import type { CompletionUsage } from 'openai/resources/completions';
import type { Logger } from '../log.js';
import type { ChatHandlers, ChatRequest } from './chatTypes.js';
import { ModelInterruptedError, ModelTimeoutError, ModelUnavailableError, type InterruptionCause } from './errors.js';
import type { Transport } from './openaiTransport.js';

/** What one attempt produced, before usage is priced and recorded. */
export interface AttemptOutcome {
  text: string;
  model: string;
  finishReason: string;
  serverUsage: CompletionUsage | undefined;
  /** Set when the stream broke after text had reached the caller. */
  error?: ModelInterruptedError;
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

function describeInterruption(cause: InterruptionCause, stallTimeoutMs: number, iterationError: unknown): string {
  if (cause === 'stall') return `no chunk for ${stallTimeoutMs} ms`;
  if (cause === 'cut') return `stream broke: ${iterationError instanceof Error ? iterationError.message : String(iterationError)}`;
  if (cause === 'aborted') return 'cancelled by the caller';
  return 'stream ended without a finish reason';
}

export async function streamAttempt(
  transport: Transport,
  model: string,
  request: ChatRequest,
  handlers: ChatHandlers,
  options: { stallTimeoutMs: number; logger: Logger },
): Promise<AttemptOutcome> {
  const { stallTimeoutMs, logger } = options;
  const permit = await transport.admit(request, handlers.onQueued);
  const controller = new AbortController();
  const onCallerAbort = () => controller.abort();
  request.signal?.addEventListener('abort', onCallerAbort, { once: true });
  let stalled = false;
  let stallTimer: NodeJS.Timeout | undefined;
  const armStallTimer = () => {
    clearTimeout(stallTimer);
    stallTimer = setTimeout(() => {
      stalled = true;
      controller.abort();
    }, stallTimeoutMs);
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
    armStallTimer();
    try {
      for await (const chunk of stream) {
        armStallTimer();
        if (chunk.model) outcome.model = chunk.model;
        if (chunk.usage) outcome.serverUsage = chunk.usage;
        const choice = chunk.choices[0];
        if (!choice) continue;
        const delta = choice.delta?.content;
        if (delta) {
          outcome.text += delta;
          try {
            handlers.onDelta?.(delta);
          } catch (handlerError) {
            logger.error({ err: handlerError }, 'onDelta handler threw; the stream continues');
          }
        }
        if (choice.finish_reason) finishReason = choice.finish_reason;
      }
    } catch (error) {
      // A cut connection surfaces here (undici: `TypeError: terminated`), not from create().
      iterationError = error;
    }
  } finally {
    clearTimeout(stallTimer);
    request.signal?.removeEventListener('abort', onCallerAbort);
  }

  transport.settleTokens(permit.tokens, request, outcome.serverUsage);
  // A finish_reason means the answer is whole, even if the usage chunk never came.
  if (finishReason !== undefined) return { ...outcome, finishReason };

  const cause: InterruptionCause =
    request.signal?.aborted ? 'aborted'
    : stalled ? 'stall'
    : iterationError !== undefined ? 'cut'
    : 'incomplete';
  const detail = describeInterruption(cause, stallTimeoutMs, iterationError);
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
