import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  loadSteppedWindow,
  turnPromptTokens,
  WINDOW_REFILL_SHARE,
  WindowAnchors,
} from '../../../src/conversation/historyWindow.js';
import { openStore, type KeyvStore } from '../../../src/store/keyvStore.js';
import { textTurn, type ThreadMeta, type Turn } from '../../../src/store/types.js';
import { makeTempDir, sqliteUrl } from '../../helpers/tempDir.js';

const turn = (role: Turn['role'], i: number): Turn =>
  textTurn({ role, text: `${role} ${i}`, authorId: '1', messageIds: [], tokens: 47, at: i });

describe('the stepped history window on a real SQLite store', () => {
  let temp: ReturnType<typeof makeTempDir>;
  let store: KeyvStore;
  let meta: ThreadMeta;

  beforeEach(async () => {
    temp = makeTempDir();
    store = await openStore(sqliteUrl(temp.dir));
    meta = await store.createThread({ threadId: '9', guildId: '1', channelId: '2', creatorId: '3', createdAt: 0 });
  });
  afterEach(async () => {
    await store.close();
    temp.remove();
  });

  it('keeps its start while the history fits, then jumps forward in one step to about half the budget', async () => {
    const budget = 1_000; // 50 tokens a turn, 100 an exchange: 10 exchanges fit
    const anchors = new WindowAnchors();
    const starts: number[] = [];
    for (let exchange = 0; exchange < 30; exchange++) {
      const window = await loadSteppedWindow(store, meta, budget, anchors.anchorFor(meta));
      anchors.remember(meta, window.start);
      starts.push(window.start);
      expect(window.tokens).toBeLessThanOrEqual(budget);
      // The newest exchange is always in the window.
      expect(window.start + window.turns.length).toBe(meta.turnCount);
      meta = await store.commitTurns(meta, [turn('user', exchange), turn('assistant', exchange)]);
    }
    const changes = starts.filter((s, i) => i > 0 && s !== starts[i - 1]);
    // 30 exchanges of 100 tokens through a 1,000-token window: a handful of jumps, not one move per turn.
    expect(changes.length).toBeGreaterThanOrEqual(3);
    expect(changes.length).toBeLessThanOrEqual(6);
    for (let i = 1; i < starts.length; i++) {
      if (starts[i] === starts[i - 1]) continue;
      const kept = (2 * i - starts[i]!) * turnPromptTokens(turn('user', 0));
      expect(kept).toBeLessThanOrEqual(budget * WINDOW_REFILL_SHARE);
      expect(starts[i]! - starts[i - 1]!).toBeGreaterThanOrEqual(8); // at least four exchanges dropped at once
    }
  });

  it('after a restart (no anchor in memory) it starts from the summary end, so the prefix survives restarts', async () => {
    for (let i = 0; i < 5; i++) meta = await store.commitTurns(meta, [turn('user', i), turn('assistant', i)]);
    meta = await store.commitTurns(meta, [], { text: 'earlier', tokens: 5, through: 4 });
    const window = await loadSteppedWindow(store, meta, 10_000, new WindowAnchors().anchorFor(meta));
    expect(window.start).toBe(4);
  });
});
