/**
 * A turn's side of the answer buttons: which buttons its renderer shows, how a stopped answer ends, where a
 * Regenerate or a re-answered edit puts the new exchange, and taking Regenerate off the previous answer.
 */
import type { Logger } from '../log.js';
import type { ControlPlan } from '../render/answerControls.js';
import type { MessageSink } from '../render/messageSink.js';
import type { RenderEnd } from '../render/answerSlots.js';
import type { ConversationStore, StoredPart, ThreadMeta } from '../store/types.js';
import { controlStrings } from '../strings.js';
import { regenerateControl, stopControl } from './controlIds.js';

/** How a turn differs from "answer a new message": a replay of the thread's last exchange. */
export interface TurnOptions {
  /** Index of the user turn of the exchange this turn replaces (Regenerate, an edit of the latest message). */
  replaceFrom?: number;
  /** The user's message as stored (Regenerate): it is not read from Discord again. */
  storedUserParts?: StoredPart[];
}

/** What a stopped answer ends as: its text stays, marked "(stopped)". */
export const STOPPED_END: RenderEnd = { kind: 'interrupted', notice: controlStrings.stopped };

/** Stop while streaming; once ended, Regenerate on the last message when the answer is kept as the latest one. */
export function turnControlPlan(threadId: string, startedAt: number, stopped: () => boolean): ControlPlan {
  return {
    streaming: [stopControl(threadId, startedAt)],
    final: (end) =>
      end.kind === 'complete' || end.kind === 'length' || stopped() ? [regenerateControl(threadId)] : [],
  };
}

/** The thread as the prompt should see it: without the exchange being replaced (and a summary that covers it). */
export function historyBefore(meta: ThreadMeta, options: TurnOptions): ThreadMeta {
  const from = options.replaceFrom;
  if (from === undefined) return meta;
  const { summary, ...rest } = meta;
  return summary && summary.through <= from ? { ...rest, summary, turnCount: from } : { ...rest, turnCount: from };
}

/**
 * A new answer is the latest one: the previous answer's last message loses its Regenerate (one edit). Best
 * effort: a failure leaves a button whose press is answered plainly.
 */
export async function dropPreviousRegenerate(
  store: ConversationStore,
  meta: ThreadMeta,
  sink: MessageSink,
  logger: Logger,
): Promise<void> {
  if (!sink.amend || meta.turnCount === 0) return;
  try {
    const [previous] = await store.getTurns(meta, meta.turnCount - 1, meta.turnCount);
    const last = previous?.role === 'assistant' ? previous.messageIds[previous.messageIds.length - 1] : undefined;
    if (last) await sink.amend(last, { controls: [] }, { priority: 'stream', preGranted: false });
  } catch (error) {
    logger.warn({ thread: meta.threadId, err: error }, 'previous answer kept its Regenerate button');
  }
}
