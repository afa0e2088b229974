import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore, StoreError, type KeyvStore } from '../../../src/store/keyvStore.js';
import { lastDays, turnText, type ThreadMeta } from '../../../src/store/types.js';
import { makeTempDir, sqliteUrl } from '../../helpers/tempDir.js';
import { GUILD, THREAD, turn, USER } from './sampleTurns.js';

describe('KeyvStore on a real SQLite file', () => {
  let temp: ReturnType<typeof makeTempDir>;
  let store: KeyvStore;
  beforeEach(async () => {
    temp = makeTempDir();
    store = await openStore(sqliteUrl(temp.dir, 'nested/dir/bot.sqlite'));
  });
  afterEach(async () => {
    await store.close().catch(() => undefined);
    temp.remove();
  });

  const create = () =>
    store.createThread({
      threadId: THREAD,
      guildId: GUILD,
      channelId: '200000000000000002',
      creatorId: USER,
      createdAt: 1,
    });

  it('keeps every committed turn across close and reopen', async () => {
    let meta = await create();
    meta = await store.commitTurns(meta, [turn('user', 'hi'), turn('assistant', 'hello')]);
    meta = await store.commitTurns(meta, [turn('user', 'how are you'), turn('assistant', 'fine')], {
      text: 'greetings',
      tokens: 3,
      through: 0,
    });
    await store.close();

    store = await openStore(sqliteUrl(temp.dir, 'nested/dir/bot.sqlite'));
    const reopened = await store.getThread(THREAD);
    expect(reopened?.turnCount).toBe(4);
    expect(reopened?.summary?.text).toBe('greetings');
    const turns = await store.getTurns(reopened!, 0, 4);
    expect(turns.map((t) => turnText(t))).toEqual(['hi', 'hello', 'how are you', 'fine']);
    expect(turns[0]).toEqual(turn('user', 'hi'));
  });

  it('refuses a commit based on a stale view of the thread and leaves history as it was', async () => {
    const meta = await create();
    await store.commitTurns(meta, [turn('user', 'first'), turn('assistant', 'one')]);
    await expect(store.commitTurns(meta, [turn('user', 'stale'), turn('assistant', 'two')])).rejects.toBeInstanceOf(
      StoreError,
    );
    const now = (await store.getThread(THREAD))!;
    expect((await store.getTurns(now, 0, 10)).map((t) => turnText(t))).toEqual(['first', 'one']);
  });

  it('reset forgets turns and summary but keeps the thread; old turns never come back', async () => {
    let meta = await create();
    meta = await store.commitTurns(meta, [turn('user', 'secret'), turn('assistant', 'noted')], {
      text: 's',
      tokens: 1,
      through: 2,
    });
    await store.resetThread(THREAD);
    const fresh = (await store.getThread(THREAD))!;
    expect(fresh.turnCount).toBe(0);
    expect(fresh.summary).toBeUndefined();
    expect(await store.getTurns(fresh, 0, 10)).toEqual([]);
    const after = await store.commitTurns(fresh, [turn('user', 'new start'), turn('assistant', 'ok')]);
    expect((await store.getTurns(after, 0, 10)).map((t) => turnText(t))).toEqual(['new start', 'ok']);
    // A turn that began before the reset cannot land on the fresh history.
    await expect(store.commitTurns(meta, [turn('user', 'late'), turn('assistant', 'late')])).rejects.toBeInstanceOf(
      StoreError,
    );
  });

  it('stores guild settings', async () => {
    expect(await store.getGuildSettings(GUILD)).toEqual({});
    await store.setGuildSettings(GUILD, { systemPrompt: 'Be brief.' });
    expect(await store.getGuildSettings(GUILD)).toEqual({ systemPrompt: 'Be brief.' });
  });

  it('adds concurrent usage without losing an update, per user, per guild and per day', async () => {
    const at = Date.UTC(2026, 10, 23, 12);
    await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        store.recordUsage({
          userId: i % 2 ? USER : '100000000000000009',
          guildId: GUILD,
          at,
          promptTokens: 10,
          completionTokens: 5,
          requests: 1,
          costUsd: 0.001,
        }),
      ),
    );
    await store.recordUsage({
      userId: USER,
      guildId: GUILD,
      at: at - 86_400_000 * 2,
      promptTokens: 100,
      completionTokens: 0,
      requests: 1,
      costUsd: 0,
    });
    const today = await store.getUserUsage(USER, GUILD, lastDays(at, 1));
    expect(today).toMatchObject({ promptTokens: 250, completionTokens: 125, requests: 25 });
    expect(today.costUsd).toBeCloseTo(0.025, 10);
    expect((await store.getUserUsage(USER, GUILD, lastDays(at, 30))).promptTokens).toBe(350);
    expect((await store.getGuildUsage(GUILD, lastDays(at, 1))).requests).toBe(50);
    expect((await store.getUserUsage(USER, '200000000000000099', lastDays(at, 30))).requests).toBe(0);
  });

  it('reads long threads in pages', async () => {
    let meta: ThreadMeta = await create();
    for (let i = 0; i < 150; i++)
      meta = await store.commitTurns(meta, [turn('user', `q${i}`), turn('assistant', `a${i}`)]);
    const tail = await store.getTurns(meta, 290, 300);
    expect(tail.map((t) => turnText(t))).toEqual([
      'q145',
      'a145',
      'q146',
      'a146',
      'q147',
      'a147',
      'q148',
      'a148',
      'q149',
      'a149',
    ]);
    expect((await store.getTurns(meta, 0, 300)).length).toBe(300);
  });

  it('names a missing adapter instead of crashing obscurely', async () => {
    await expect(openStore('mysql://127.0.0.1:1/db')).rejects.toThrow(/@keyv\/mysql/);
    await expect(openStore('ftp://x')).rejects.toThrow(/not supported/);
  });
});

describe('crash safety', () => {
  it('a process killed with SIGKILL mid-write restarts with every completed turn intact and no half-written one', async () => {
    const temp = makeTempDir();
    const url = sqliteUrl(temp.dir);
    const script = fileURLToPath(new URL('./fixtures/commitLoop.ts', import.meta.url));
    try {
      const child = spawn(process.execPath, ['--import', 'tsx', script, url], { stdio: ['ignore', 'pipe', 'inherit'] });
      let lastReported = 0;
      const killedAt = await new Promise<number>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('child made no progress in 20 s')), 20_000);
        child.stdout.setEncoding('utf8');
        child.stdout.on('data', (chunk: string) => {
          for (const m of chunk.matchAll(/committed (\d+)/g)) lastReported = Number(m[1]);
          if (lastReported >= 60 && !child.killed) {
            clearTimeout(timer);
            child.kill('SIGKILL');
            resolve(lastReported);
          }
        });
        child.on('exit', () => clearTimeout(timer));
      });
      await new Promise((r) => child.once('close', r));

      const store = await openStore(url);
      try {
        const meta = (await store.getThread('300000000000000001'))!;
        // Every commit the child reported is there; at most the one in flight may have landed on top.
        expect(meta.turnCount).toBeGreaterThanOrEqual(killedAt);
        expect(meta.turnCount % 2).toBe(0);
        const turns = await store.getTurns(meta, 0, meta.turnCount);
        expect(turns.length).toBe(meta.turnCount);
        turns.forEach((t, i) => {
          expect(t.role).toBe(i % 2 === 0 ? 'user' : 'assistant');
          expect(turnText(t).startsWith(`${t.role} ${Math.floor(i / 2)} `)).toBe(true);
        });
        // The restarted process carries on from there.
        const next = await store.commitTurns(meta, [turns[0]!, turns[1]!]);
        expect(next.turnCount).toBe(meta.turnCount + 2);
      } finally {
        await store.close();
      }
    } finally {
      temp.remove();
    }
  });
});
