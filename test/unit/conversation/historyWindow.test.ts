import { describe, expect, it } from 'vitest';
import { fitNewestTurns, loadHistoryWindow, turnPromptTokens } from '../../../src/conversation/historyWindow.js';
import { textTurn, type ConversationStore, type ThreadMeta, type Turn } from '../../../src/store/types.js';

const turn = (role: Turn['role'], tokens: number, content = `${role}-${tokens}`): Turn =>
  textTurn({
    role,
    text: content,
    authorId: role === 'user' ? '100000000000000001' : '100000000000000002',
    messageIds: [],
    tokens,
    at: 0,
  });

/** A history of pairs with the given user/assistant token sizes. */
const pairs = (...sizes: Array<[number, number]>): Turn[] =>
  sizes.flatMap(([u, a], i) => [turn('user', u, `q${i}`), turn('assistant', a, `a${i}`)]);

const cost = (turns: Turn[]) => turns.reduce((s, t) => s + turnPromptTokens(t), 0);

describe('fitNewestTurns', () => {
  it('keeps everything when it fits', () => {
    const turns = pairs([10, 10], [10, 10]);
    expect(fitNewestTurns(turns, 1000)).toEqual({ start: 0, tokens: cost(turns), needsOlder: false });
  });

  it('drops the oldest pairs first and keeps the newest within budget', () => {
    const turns = pairs([100, 100], [10, 10], [10, 10]);
    const budget = cost(turns.slice(2)) + 50;
    const fit = fitNewestTurns(turns, budget);
    expect(fit.start).toBe(2);
    expect(fit.tokens).toBe(cost(turns.slice(2)));
    expect(fit.tokens).toBeLessThanOrEqual(budget);
  });

  it('never splits a user/assistant pair even when half of it would fit', () => {
    const turns = pairs([10, 10], [5, 500]);
    // Room for the newest user turn but not its answer: the whole newest pair goes, and so does everything older.
    const fit = fitNewestTurns(turns, turnPromptTokens(turns[3]!) - 1 + turnPromptTokens(turns[2]!));
    expect(fit.start).toBe(turns.length);
    expect(fit.tokens).toBe(0);
    // Any window it returns starts on a user turn.
    const fit2 = fitNewestTurns(turns, cost(turns) - 1);
    expect(turns[fit2.start]?.role).toBe('user');
    expect(fit2.start).toBe(2);
  });

  it('asks for older turns when the oldest loaded turn might continue an exchange', () => {
    const loaded = [turn('assistant', 10), ...pairs([10, 10])];
    expect(fitNewestTurns(loaded, 1000, true).needsOlder).toBe(true);
    expect(fitNewestTurns(pairs([10, 10]), 1000, true).needsOlder).toBe(true);
    expect(fitNewestTurns(pairs([10, 10]), 1000, false).needsOlder).toBe(false);
  });

  it('respects a zero budget', () => {
    expect(fitNewestTurns(pairs([1, 1]), 0)).toEqual({ start: 2, tokens: 0, needsOlder: false });
  });
});

/** An in-memory ConversationStore slice that counts reads, to show loading is bounded by the budget. */
function memoryTurns(turns: Turn[]): { store: ConversationStore; meta: ThreadMeta; read: () => number } {
  let read = 0;
  const meta: ThreadMeta = {
    threadId: 't',
    guildId: null,
    channelId: 'c',
    creatorId: 'u',
    createdAt: 0,
    turnCount: turns.length,
    epoch: 0,
  };
  const store = {
    getTurns: async (_m: ThreadMeta, from: number, to: number) => {
      const slice = turns.slice(from, to);
      read += slice.length;
      return slice;
    },
  } as Pick<ConversationStore, 'getTurns'> as ConversationStore;
  return { store, meta, read: () => read };
}

describe('loadHistoryWindow', () => {
  it('reads only the newest pages of a long thread', async () => {
    const history = pairs(...Array.from({ length: 2500 }, () => [20, 20] as [number, number]));
    const { store, meta, read } = memoryTurns(history);
    const window = await loadHistoryWindow(store, meta, 1000);
    expect(window.turns.length).toBe(Math.floor(1000 / (2 * 23)) * 2);
    expect(window.start + window.turns.length).toBe(history.length);
    expect(read()).toBeLessThanOrEqual(128);
  });

  it('walks back page by page until the budget is used', async () => {
    const history = pairs(...Array.from({ length: 300 }, () => [1, 1] as [number, number]));
    const { store, meta } = memoryTurns(history);
    const window = await loadHistoryWindow(store, meta, 100_000);
    expect(window.start).toBe(0);
    expect(window.turns).toEqual(history);
  });

  it('never goes below the floor', async () => {
    const history = pairs([1, 1], [1, 1], [1, 1]);
    const { store, meta } = memoryTurns(history);
    const window = await loadHistoryWindow(store, meta, 100_000, 2);
    expect(window.start).toBe(2);
    expect(window.turns).toEqual(history.slice(2));
  });
});
