import { TOKENS_PER_MESSAGE } from '../tokens/tokenCounter.js';
import type { ConversationStore, ThreadMeta, Turn } from '../store/types.js';

/** Turns read per round trip while walking a thread backwards. */
const PAGE_TURNS = 64;

export interface FitResult {
  /** Index (within `turns`) of the first turn that fits. `turns.length` when none does. */
  start: number;
  /** Prompt tokens of turns [start, end), framing included. */
  tokens: number;
  /** True when every turn fitted and the unit at the front might continue in turns not given. */
  needsOlder: boolean;
}

export const turnPromptTokens = (turn: Turn): number => turn.tokens + TOKENS_PER_MESSAGE;

/**
 * The newest whole exchanges of `turns` that fit `budget` tokens. An exchange is a user turn (or several in a row)
 * with the assistant answer that follows; it is kept or dropped whole, so the model never sees an answer without its
 * question. Works on stored counts only: nothing is re-tokenized.
 */
export function fitNewestTurns(turns: readonly Turn[], budget: number, hasOlder = false): FitResult {
  let start = turns.length;
  let tokens = 0;
  let unitTokens = 0;
  for (let i = turns.length - 1; i >= 0; i--) {
    const turn = turns[i]!;
    unitTokens += turnPromptTokens(turn);
    const previous = turns[i - 1];
    // At the oldest loaded turn we only know a unit starts here if nothing older exists.
    const unitStartsHere = previous ? turn.role === 'user' && previous.role === 'assistant' : !hasOlder;
    if (!unitStartsHere) {
      if (previous) continue;
      return { start, tokens, needsOlder: tokens + unitTokens <= budget };
    }
    if (tokens + unitTokens > budget) return { start, tokens, needsOlder: false };
    tokens += unitTokens;
    start = i;
    unitTokens = 0;
  }
  return { start, tokens, needsOlder: false };
}

export interface HistoryWindow {
  /** Thread index of the first turn sent. */
  start: number;
  turns: Turn[];
  tokens: number;
}

/**
 * Read only as much of the thread as can fit the budget, newest first, page by page: the cost of a turn depends on
 * the budget, not on how long the thread has grown.
 */
export async function loadHistoryWindow(
  store: ConversationStore,
  meta: ThreadMeta,
  budget: number,
  floor = 0,
): Promise<HistoryWindow> {
  const end = meta.turnCount;
  let from = Math.max(floor, end - PAGE_TURNS);
  let loaded = await store.getTurns(meta, from, end);
  for (;;) {
    const fit = fitNewestTurns(loaded, budget, from > floor);
    if (!fit.needsOlder) return { start: from + fit.start, turns: loaded.slice(fit.start), tokens: fit.tokens };
    const olderFrom = Math.max(floor, from - PAGE_TURNS);
    loaded = [...(await store.getTurns(meta, olderFrom, from)), ...loaded];
    from = olderFrom;
  }
}
