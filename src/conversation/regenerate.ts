/**
 * A new answer to the thread's latest question, replacing the old one (Regenerate, or an edit of the latest
 * message): the old answer's messages stay, marked "(regenerated below)" without buttons, and history keeps only
 * the new exchange, written at the turn's commit point (store.spliceTurns).
 */
import type { MessageSink } from '../render/messageSink.js';
import { turnText, type ConversationStore, type Turn } from '../store/types.js';
import { controlStrings } from '../strings.js';
import type { Presser } from './activeTurns.js';
import { isLatestExchange, type FoundTurn } from './historyEdits.js';
import type { TurnOutcome, TurnRequest } from './turn.js';
import type { TurnOptions } from './turnControls.js';

export type RunTurn = (request: TurnRequest, sink: MessageSink, options: TurnOptions) => Promise<TurnOutcome>;

export interface RegeneratePress {
  threadId: string;
  /** The message the button was on: it must belong to the latest answer. */
  messageId: string;
  presser: Presser;
}

export type RegenerateRefusal = 'not-latest' | 'forbidden';
export type RegenerateCheck = { ok: true; found: FoundTurn; answer: Turn } | { ok: false; reason: RegenerateRefusal };

/** Whether a Regenerate press may go ahead: on the latest answer, by its asker or a moderator. */
export async function checkRegenerate(store: ConversationStore, press: RegeneratePress): Promise<RegenerateCheck> {
  const meta = await store.getThread(press.threadId);
  if (!meta || meta.turnCount < 2) return { ok: false, reason: 'not-latest' };
  const [user, answer] = await store.getTurns(meta, meta.turnCount - 2, meta.turnCount);
  const found: FoundTurn | undefined = user ? { meta, index: meta.turnCount - 2, turn: user, next: answer } : undefined;
  if (
    !found ||
    user?.role !== 'user' ||
    !answer ||
    !isLatestExchange(found) ||
    !answer.messageIds.includes(press.messageId)
  ) {
    return { ok: false, reason: 'not-latest' };
  }
  if (user.authorId !== press.presser.userId && !press.presser.canManage) return { ok: false, reason: 'forbidden' };
  return { ok: true, found, answer };
}

/** Mark the old answer's messages (best effort per message: one that is gone is skipped). */
export async function markRegenerated(sink: MessageSink, answer: Turn): Promise<void> {
  for (const id of answer.messageIds) {
    await sink.amend?.(id, { append: controlStrings.regeneratedBelow, controls: [] }).catch(() => undefined);
  }
}

/** The stored question as a turn request, asked again by its original author. */
export function replayRequest(found: FoundTurn): TurnRequest {
  const { meta, turn } = found;
  return {
    threadId: meta.threadId,
    guildId: meta.guildId,
    channelId: meta.channelId,
    userId: turn.authorId,
    content: turnText(turn),
    ...(turn.messageIds[0] ? { messageId: turn.messageIds[0] } : {}),
    ...(turn.authorName ? { authorName: turn.authorName } : {}),
  };
}

/** Regenerate: checked again inside the queue (the thread may have moved on since the press). */
export async function regenerateLatest(
  store: ConversationStore,
  run: RunTurn,
  press: RegeneratePress,
  sink: MessageSink,
): Promise<TurnOutcome | RegenerateRefusal> {
  const check = await checkRegenerate(store, press);
  if (!check.ok) return check.reason;
  await markRegenerated(sink, check.answer);
  return run(replayRequest(check.found), sink, {
    replaceFrom: check.found.index,
    storedUserParts: check.found.turn.parts,
  });
}

/** An edit of the latest question: the old answer is marked and the edited message answered in its place. */
export async function reanswerEdited(
  run: RunTurn,
  found: FoundTurn,
  request: TurnRequest,
  sink: MessageSink,
): Promise<TurnOutcome> {
  if (found.next) await markRegenerated(sink, found.next);
  return run(request, sink, { replaceFrom: found.index });
}
