import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ACTIVITY_MAX_THREADS, ACTIVITY_RETENTION_MS } from '../../../src/store/activityRecords.js';
import { openStore, type KeyvStore } from '../../../src/store/keyvStore.js';
import { makeTempDir, sqliteUrl } from '../../helpers/tempDir.js';

const T1 = '300000000000000001';
const T2 = '300000000000000002';
const NOW = 1_800_000_000_000;

describe('activity index on a real SQLite file', () => {
  let temp: ReturnType<typeof makeTempDir>;
  let store: KeyvStore;
  const reopen = async () => {
    await store.close();
    store = await openStore(sqliteUrl(temp.dir));
  };
  beforeEach(async () => {
    temp = makeTempDir();
    store = await openStore(sqliteUrl(temp.dir));
  });
  afterEach(async () => {
    await store.close().catch(() => undefined);
    temp.remove();
  });

  it('an answer killed mid-turn leaves its message ids behind, readable by the next process', async () => {
    await store.noteTurnStarted(T1, '500000000000000010', NOW);
    await store.noteAnswerMessage(T1, NOW, '500000000000000011');
    await store.noteAnswerMessage(T1, NOW, '500000000000000012');
    await reopen();
    expect(await store.recentActivity(NOW - 1, 10)).toEqual([
      {
        threadId: T1,
        lastMessageId: '500000000000000010',
        at: NOW,
        inflight: { startedAt: NOW, messageIds: ['500000000000000011', '500000000000000012'] },
      },
    ]);
  });

  it('a finished turn leaves no in-flight record; a stale end from an older turn changes nothing', async () => {
    await store.noteTurnStarted(T1, '500000000000000010', NOW);
    await store.noteTurnStarted(T1, '500000000000000020', NOW + 5);
    await store.noteAnswerMessage(T1, NOW, '500000000000000011');
    await store.endInflight(T1, NOW);
    const [running] = await store.recentActivity(NOW, 10);
    expect(running?.inflight).toEqual({ startedAt: NOW + 5, messageIds: [] });
    await store.endInflight(T1, NOW + 5);
    const [ended] = await store.recentActivity(NOW, 10);
    expect(ended).toEqual({ threadId: T1, lastMessageId: '500000000000000020', at: NOW + 5 });
  });

  it('the last handled message only moves forward, and /chat turns (no message) keep it', async () => {
    await store.noteTurnStarted(T1, '500000000000000020', NOW);
    await store.noteTurnStarted(T1, '500000000000000009', NOW + 1);
    await store.noteTurnStarted(T1, undefined, NOW + 2);
    const [entry] = await store.recentActivity(NOW, 10);
    expect(entry).toMatchObject({ lastMessageId: '500000000000000020', at: NOW + 2 });
  });

  it('lists the most recent first, drops idle threads after the retention, stays bounded', async () => {
    await store.noteTurnStarted(T1, undefined, NOW - ACTIVITY_RETENTION_MS - 1);
    await store.endInflight(T1, NOW - ACTIVITY_RETENTION_MS - 1);
    await store.noteTurnStarted(T2, undefined, NOW);
    expect((await store.recentActivity(0, 10)).map((e) => e.threadId)).toEqual([T2]);
    // Concurrent writers (many threads at once) all land: the index is updated through one queue.
    const many = Array.from({ length: ACTIVITY_MAX_THREADS + 10 }, (_, i) => `40000000000000${1000 + i}`);
    await Promise.all(many.map((id, i) => store.noteTurnStarted(id, undefined, NOW + 1 + i)));
    const listed = await store.recentActivity(0, 1_000);
    expect(listed).toHaveLength(ACTIVITY_MAX_THREADS);
    expect(listed[0]?.threadId).toBe(many.at(-1));
    expect(listed.some((e) => e.threadId === many[0])).toBe(false);
  });
});
