/**
 * Records which messages an answer is being written into, so a bot killed mid-answer can close them on its next
 * start (SPEC: catching up after downtime). Recording is best effort: a store failure is logged, never fails a turn.
 */
import type { Logger } from '../log.js';
import type { MessageSink } from '../render/messageSink.js';
import type { ActivityStore } from '../store/types.js';

export class InflightAnswer {
  private constructor(
    private readonly store: ActivityStore,
    private readonly logger: Logger,
    private readonly threadId: string,
    private readonly startedAt: number,
  ) {}

  /** The turn for `messageId` starts: the message counts as handled, and an in-flight record is opened. */
  static async begin(
    store: ActivityStore,
    logger: Logger,
    turn: { threadId: string; messageId?: string | undefined; startedAt: number },
  ): Promise<InflightAnswer> {
    const tracker = new InflightAnswer(store, logger, turn.threadId, turn.startedAt);
    await tracker.guard('turn start', () => store.noteTurnStarted(turn.threadId, turn.messageId, turn.startedAt));
    return tracker;
  }

  /** The sink, recording every message it posts before handing its id back (so later edits imply a record). */
  wrap(sink: MessageSink): MessageSink {
    return {
      // Write options (priority, pre-granted budget, buttons) go through untouched.
      send: async (text, options) => {
        const id = await sink.send(text, options);
        await this.guard('answer message', () => this.store.noteAnswerMessage(this.threadId, this.startedAt, id));
        return id;
      },
      edit: (messageId, text, options) => sink.edit(messageId, text, options),
      typing: (options) => sink.typing(options),
    };
  }

  /** The turn ended, whatever its outcome: nothing of it is in flight any more. */
  end(): Promise<void> {
    return this.guard('turn end', () => this.store.endInflight(this.threadId, this.startedAt));
  }

  private async guard(what: string, write: () => Promise<void>): Promise<void> {
    try {
      await write();
    } catch (error) {
      this.logger.warn({ thread: this.threadId, err: error }, `in-flight record not written (${what})`);
    }
  }
}
