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

/** When the window overflows it moves forward until it fills only this share of the budget (prompt-cache steps). */
export const WINDOW_REFILL_SHARE = 0.5;

/**
 * The window for a prompt that the provider's prompt cache can reuse: it starts at `anchor` (the previous turn's
 * start) for as long as everything from there fits the budget, so consecutive requests share their prefix. On
 * overflow it jumps forward in one large step, to the newest exchanges filling WINDOW_REFILL_SHARE of the budget;
 * a window that dropped one old turn per new turn would change the prefix, and miss the cache, on every turn.
 */
export async function loadSteppedWindow(
  store: ConversationStore,
  meta: ThreadMeta,
  budget: number,
  anchor: number,
): Promise<HistoryWindow> {
  const floor = Math.min(Math.max(0, anchor), meta.turnCount);
  const whole = await loadHistoryWindow(store, meta, budget, floor);
  if (whole.start === floor) return whole;
  return loadHistoryWindow(store, meta, Math.floor(budget * WINDOW_REFILL_SHARE), floor);
}

/** Where each thread's window started last turn (per epoch), bounded; a restart falls back to the summary's end. */
export class WindowAnchors {
  private readonly starts = new Map<string, { epoch: number; start: number }>();

  constructor(private readonly capacity = 10_000) {}

  anchorFor(meta: ThreadMeta): number {
    const known = this.starts.get(meta.threadId);
    if (known && known.epoch === meta.epoch && known.start <= meta.turnCount) return known.start;
    return meta.summary?.through ?? 0;
  }

  remember(meta: ThreadMeta, start: number): void {
    this.starts.delete(meta.threadId);
    if (this.starts.size >= this.capacity) this.starts.delete(this.starts.keys().next().value ?? '');
    this.starts.set(meta.threadId, { epoch: meta.epoch, start });
  }
}
