/**
 * History follows what the thread shows (SPEC: controls on an answer): an edited older message changes the stored
 * text of its turn, a deleted message takes its exchange (the user turn and its answer) out of history, images
 * included. Both run in the thread's turn queue (ConversationService), so they apply after a running answer.
 */
import type { TextPart } from '../input/contentParts.js';
import type { ConversationStore, ThreadMeta, Turn } from '../store/types.js';
import { countTokensAsync } from '../tokens/tokenCounter.js';

/** Turns read per round trip while looking for a message, newest first (edits and deletes are mostly recent). */
const PAGE = 64;

export interface FoundTurn {
  meta: ThreadMeta;
  index: number;
  turn: Turn;
  /** The turn right after it (its answer, for a user turn). */
  next: Turn | undefined;
}

/** The user turn a Discord message carried, searching from the newest turn back. */
export async function findUserTurn(
  store: ConversationStore,
  threadId: string,
  messageId: string,
): Promise<FoundTurn | undefined> {
  const meta = await store.getThread(threadId);
  if (!meta) return undefined;
  for (let to = meta.turnCount; to > 0; to -= PAGE) {
    const from = Math.max(0, to - PAGE);
    const turns = await store.getTurns(meta, from, Math.min(meta.turnCount, to + 1));
    for (let i = Math.min(turns.length - 1, to - from - 1); i >= 0; i--) {
      const turn = turns[i]!;
      if (turn.role === 'user' && turn.messageIds.includes(messageId)) {
        return { meta, index: from + i, turn, next: turns[i + 1] };
      }
    }
  }
  return undefined;
}

/** Whether the found turn is the question of the thread's latest answer (an edit of it is answered again). */
export const isLatestExchange = (found: FoundTurn): boolean =>
  found.next?.role === 'assistant' && found.index + 2 === found.meta.turnCount;

/** The turn with its text replaced by `content` (attachments kept as they were). */
export async function withText(turn: Turn, content: string): Promise<Turn> {
  const others = turn.parts.filter((part) => part.type !== 'text');
  const text: TextPart[] =
    content.trim() === '' ? [] : [{ type: 'text', text: content, tokens: await countTokensAsync(content) }];
  const parts = [...text, ...others];
  const tokens = parts.reduce((sum, part) => sum + (part.tokens ?? 0), 0);
  return { ...turn, parts, tokens };
}

/** Store the edited text of an older turn; nothing else moves. */
export async function editStoredTurn(store: ConversationStore, found: FoundTurn, content: string): Promise<void> {
  await store.spliceTurns(found.meta, { from: found.index, remove: 1, insert: [await withText(found.turn, content)] });
}

/** Forget the exchange the message asked: its user turn and the answer after it. */
export async function forgetExchange(store: ConversationStore, found: FoundTurn): Promise<Turn | undefined> {
  const answer = found.next?.role === 'assistant' ? found.next : undefined;
  await store.spliceTurns(found.meta, { from: found.index, remove: answer ? 2 : 1, insert: [] });
  return answer;
}
