import type { ChatCompletionChunk } from 'openai/resources/chat/completions';
import { APIError } from 'openai';
import type { Logger } from '../log.js';
import { createToolCallAccumulator } from '../tools/toolCallDeltas.js';
import type { ToolCall } from '../tools/toolMessages.js';
import type { ChatHandlers } from './chatTypes.js';
import { redactSecrets } from './errors.js';
import { hasReasoning, type ReasoningDelta } from './streamTimers.js';
import type { AttemptOutcome } from './streamAttempt.js';
import { ThinkTagFilter } from './thinkTagFilter.js';

/** A caller's handler failing must not break the stream. */
function safely(logger: Logger, call: () => void): void {
  try {
    call();
  } catch (handlerError) {
    logger.error({ err: handlerError }, 'stream handler threw; the stream continues');
  }
}

/** Folds the SSE chunks of one attempt into its outcome, handing answer text to the caller as it comes. */
export class ChunkReader {
  readonly outcome: AttemptOutcome;
  finishReason: string | undefined;
  private readonly tags = new ThinkTagFilter();
  private readonly toolCalls = createToolCallAccumulator();
  private thinkingShown = false;

  constructor(
    model: string,
    private readonly handlers: ChatHandlers,
    private readonly logger: Logger,
  ) {
    this.outcome = { text: '', model, finishReason: 'interrupted', serverUsage: undefined };
  }

  /** Tell the caller (once) that the model is thinking. */
  thinking(): void {
    if (this.thinkingShown) return;
    this.thinkingShown = true;
    safely(this.logger, () => this.handlers.onThinking?.());
  }

  /** Read the stream to its end; resolves with the error that cut it short, if any (it never rejects). */
  async readAll(stream: AsyncIterable<ChatCompletionChunk>, onChunk: (answerText: boolean) => void): Promise<unknown> {
    try {
      for await (const chunk of stream) this.read(chunk, onChunk);
      this.deliver(this.tags.flush());
      return undefined;
    } catch (error) {
      // A cut connection surfaces here (undici: `TypeError: terminated`), not from create(); so does a
      // `data: {"error": …}` event inside the stream (the SDK throws it as an APIError without a status).
      if (error instanceof APIError && error.status === undefined) {
        const reason = redactSecrets(error.message);
        this.logger.warn({ model: this.outcome.model, reason }, 'model stream sent an error event');
      }
      return error;
    }
  }

  /** The whole tool calls the model asked for (streamed as `delta.tool_calls` fragments). */
  calls(): ToolCall[] {
    return this.toolCalls.calls();
  }

  private read(chunk: ChatCompletionChunk, onChunk: (answerText: boolean) => void): void {
    if (chunk.model) this.outcome.model = chunk.model;
    if (chunk.usage) this.outcome.serverUsage = chunk.usage;
    const choice = chunk.choices[0];
    const delta = choice?.delta as ReasoningDelta | undefined;
    if (hasReasoning(delta)) this.thinking();
    const answer = delta?.content ? this.tags.push(delta.content) : '';
    if (this.tags.thinking) this.thinking();
    const calling = (choice?.delta?.tool_calls?.length ?? 0) > 0;
    this.toolCalls.add(choice?.delta?.tool_calls);
    onChunk(answer !== '' || calling);
    this.deliver(answer);
    if (choice?.finish_reason) this.finishReason = choice.finish_reason;
  }

  private deliver(text: string): void {
    if (text === '') return;
    this.outcome.text += text;
    safely(this.logger, () => this.handlers.onDelta?.(text));
  }
}
