import { closeSync, openSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { notSavedNotice, openStore, StoreError, type KeyvStore } from '../../../src/store/keyvStore.js';
import type { ThreadMeta } from '../../../src/store/types.js';
import { makeTempDir, sqliteUrl } from '../../helpers/tempDir.js';
import { createThread, exchange, history } from './sampleTurns.js';
import { turnText } from '../../../src/store/types.js';
import { fileOf, mountTmpfs, SecondConnection, sqliteOf } from './sqliteFaults.js';

const texts = (n: number, size?: number) => exchange(n, size).map((t) => turnText(t));

async function failure(promise: Promise<unknown>): Promise<StoreError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(StoreError);
  return error as StoreError;
}

describe('store faults on a real SQLite file', () => {
  let temp: ReturnType<typeof makeTempDir>;
  let url: string;
  let store: KeyvStore;
  let other: SecondConnection;
  beforeEach(async () => {
    temp = makeTempDir();
    url = sqliteUrl(temp.dir);
    store = await openStore(url, { busyTimeoutMs: 300 });
    other = new SecondConnection(fileOf(url));
  });
  afterEach(async () => {
    await other.close().catch(() => undefined);
    await store.close().catch(() => undefined);
    temp.remove();
  });

  it('applies the busy timeout on the connection it writes with', async () => {
    expect(await sqliteOf(store).query('PRAGMA busy_timeout')).toEqual([{ timeout: 300 }]);
    const defaults = await openStore(sqliteUrl(temp.dir, 'default.sqlite'));
    expect(await sqliteOf(defaults).query('PRAGMA busy_timeout')).toEqual([{ timeout: 5_000 }]);
    await defaults.close();
  });

  it('a write lock held past the busy timeout fails the commit as busy and shows nothing of it', async () => {
    let meta = await store.commitTurns(await createThread(store), exchange(0));
    const lock = await other.holdWriteLock();
    const started = Date.now();
    const error = await failure(store.commitTurns(meta, exchange(1)));
    expect(error.kind).toBe('busy');
    expect(notSavedNotice(error)).toMatch(/^I couldn't save that exchange: the database was busy/);
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    // Readers are not blocked by the writer (WAL) and see exactly what was saved before.
    expect(await history(store)).toEqual(texts(0));
    await lock.release();
    // The same exchange commits once the lock is gone: the failed attempt left no trace to conflict with.
    meta = await store.commitTurns(meta, exchange(1));
    expect(meta.turnCount).toBe(4);
    expect(await history(store)).toEqual([...texts(0), ...texts(1)]);
  });

  it('a write lock released within the busy timeout only delays the commit', async () => {
    await store.close();
    store = await openStore(url, { busyTimeoutMs: 3_000 });
    const meta = await store.commitTurns(await createThread(store), exchange(0));
    const lock = await other.holdWriteLock();
    const commit = store.commitTurns(meta, exchange(1));
    setTimeout(() => void lock.release(), 200);
    expect((await commit).turnCount).toBe(4);
    expect(await history(store)).toEqual([...texts(0), ...texts(1)]);
  });

  it('a full database (max_page_count) fails the commit as full; the record never claims the lost turns', async () => {
    let meta: ThreadMeta = await createThread(store);
    for (let n = 0; n < 3; n++) meta = await store.commitTurns(meta, exchange(n, 3_000));
    const db = sqliteOf(store);
    const [pages] = await db.query('PRAGMA page_count');
    await db.query(`PRAGMA max_page_count = ${Number(pages?.page_count)}`);
    const error = await failure(store.commitTurns(meta, exchange(3, 20_000)));
    expect(error.kind).toBe('full');
    expect(notSavedNotice(error)).toMatch(/^I couldn't save that exchange: the bot's database is full/);
    expect((await store.getThread(meta.threadId))?.turnCount).toBe(6);
    expect(await history(store)).toEqual([0, 1, 2].flatMap((n) => texts(n, 3_000)));
    // Room again: the very same exchange lands and the history reads on without a gap.
    await db.query('PRAGMA max_page_count = 1073741823');
    meta = await store.commitTurns(meta, exchange(3, 20_000));
    expect(await history(store)).toEqual([...[0, 1, 2].flatMap((n) => texts(n, 3_000)), ...texts(3, 20_000)]);
  });

  it('a thread record that got ahead of its turns (older versions) serves what exists and logs it once', async () => {
    const logged: string[] = [];
    await store.close();
    const { pino } = await import('pino');
    const logger = pino({ level: 'warn' }, { write: (line: string) => void logged.push(line) });
    store = await openStore(url, { logger });
    let meta: ThreadMeta = await createThread(store);
    for (let n = 0; n < 3; n++) meta = await store.commitTurns(meta, exchange(n));
    // Turns 2 and 3 vanish the way a silently failed write lost them.
    await other.run(
      "DELETE FROM keyv WHERE key IN ('bot:turn:300000000000000001:0:2', 'bot:turn:300000000000000001:0:3')",
    );
    const survivors = [...texts(0), ...texts(2)];
    expect(await history(store)).toEqual(survivors);
    expect(await history(store)).toEqual(survivors);
    meta = await store.commitTurns(meta, exchange(3));
    expect(await history(store)).toEqual([...survivors, ...texts(3)]);
    expect(logged.length).toBe(1);
    expect(JSON.parse(logged[0]!)).toMatchObject({ missing: 2, turnCount: 6 });
    expect(logged[0]).not.toContain('question');
  });

  it('ping answers while another connection holds the write lock, and fails fast once closed', async () => {
    const lock = await other.holdWriteLock();
    await expect(store.ping(1_000)).resolves.toBeUndefined();
    await lock.release();
    await store.close();
    const started = Date.now();
    await expect(store.ping(500)).rejects.toBeInstanceOf(StoreError);
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});

describe('a disk that fills up (tmpfs)', () => {
  let temp: ReturnType<typeof makeTempDir>;
  let mount: ReturnType<typeof mountTmpfs>;
  beforeAll(() => {
    temp = makeTempDir();
    mount = mountTmpfs(join(temp.dir, 'disk'), 1_024);
  });
  afterAll(() => {
    mount?.unmount();
    temp.remove();
  });

  // Needs the right to mount (root in a container); max_page_count above covers the same path everywhere else.
  it('fails the commit as full, keeps the history exact, and saves again once there is room', async (ctx) => {
    if (!mount) return ctx.skip();
    const store = await openStore(sqliteUrl(mount.dir));
    const filler = join(mount.dir, 'filler');
    try {
      let meta: ThreadMeta = await createThread(store);
      meta = await store.commitTurns(meta, exchange(0, 2_000));
      fillDisk(filler);
      const error = await failure(store.commitTurns(meta, exchange(1, 200_000)));
      expect(error.kind).toBe('full');
      expect(await history(store)).toEqual(texts(0, 2_000));
      unlinkSync(filler);
      meta = await store.commitTurns(meta, exchange(1, 200_000));
      expect(await history(store)).toEqual([...texts(0, 2_000), ...texts(1, 200_000)]);
    } finally {
      await store.close().catch(() => undefined);
    }
  });
});

/** Write zeros until the filesystem refuses (bounded by the mount's size). */
function fillDisk(path: string): void {
  const fd = openSync(path, 'w');
  const chunk = Buffer.alloc(16 * 1024);
  try {
    for (let i = 0; i < 10_000; i++) writeSync(fd, chunk);
    throw new Error('the disk never filled');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  } finally {
    closeSync(fd);
  }
}
