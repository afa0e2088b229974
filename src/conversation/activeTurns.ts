/**
 * The turns running right now, by thread, so a Stop press (or the deletion of the message being answered) can
 * cancel one. Only the asker or a moderator may stop a turn; the abort reaches the model request (its signal).
 */
export interface Presser {
  userId: string;
  /** Manage Messages in the channel. */
  canManage: boolean;
}

export type StopResult = 'stopped' | 'forbidden' | 'finished';

interface ActiveTurn {
  askerId: string;
  startedAt: number;
  messageId: string | undefined;
  controller: AbortController;
}

export class ActiveTurns {
  private readonly turns = new Map<string, ActiveTurn>();

  /** A turn starts in the thread; its signal aborts when someone stops it. */
  begin(threadId: string, turn: { askerId: string; startedAt: number; messageId?: string | undefined }): AbortSignal {
    const controller = new AbortController();
    this.turns.set(threadId, {
      askerId: turn.askerId,
      startedAt: turn.startedAt,
      messageId: turn.messageId,
      controller,
    });
    return controller.signal;
  }

  /** The turn ended; a later turn of the thread that already began is left alone. */
  end(threadId: string, startedAt: number): void {
    if (this.turns.get(threadId)?.startedAt === startedAt) this.turns.delete(threadId);
  }

  /** A Stop press on the turn started at `startedAt`. */
  stop(threadId: string, startedAt: number, presser: Presser): StopResult {
    const turn = this.turns.get(threadId);
    if (!turn || turn.startedAt !== startedAt || turn.controller.signal.aborted) return 'finished';
    if (turn.askerId !== presser.userId && !presser.canManage) return 'forbidden';
    turn.controller.abort();
    return 'stopped';
  }

  /** The message being answered was deleted: its answer stops (and the exchange is forgotten after it). */
  abortFor(threadId: string, messageId: string): boolean {
    const turn = this.turns.get(threadId);
    if (!turn || turn.messageId !== messageId) return false;
    turn.controller.abort();
    return true;
  }
}
