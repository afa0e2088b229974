/**
 * What must hold across processes on a real PostgreSQL and redis-server: usage written by two store instances (and
 * two processes) at once loses no increment, a member list written by both loses no member, and the lease is a
 * compare-and-set: of two claimants at the same moment exactly one holds it. Two shards noting turns at once each
 * find exactly their own threads to catch up on.
 */
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type KeyvStore, type OpenStoreOptions } from '../../../src/store/keyvStore.js';
import { lastDays } from '../../../src/store/types.js';
import { ensureTestServices } from '../../helpers/testServices.js';
import { spawnWorkerWithArgs } from '../coordination/workers/spawnWorker.js';
import { freshSnowflake as snowflake } from './serverIds.js';

const USER = '100000000000000001';
const NOW = Date.UTC(2026, 0, 15, 12);
const DAY = lastDays(NOW, 1);
const RECORDER = fileURLToPath(new URL('./fixtures/recordUsage.ts', import.meta.url));
let urls: Record<'postgres' | 'redis', string>;
const opened: KeyvStore[] = [];

beforeAll(async () => {
  const services = await ensureTestServices();
  urls = { postgres: services.postgresUrl, redis: services.redisUrl };
}, 240_000);
afterEach(async () => {
  for (const store of opened.splice(0)) await store.close().catch(() => undefined);
});

const open = async (url: string, options: OpenStoreOptions = {}) => {
  const store = await openStore(url, options);
  opened.push(store);
  return store;
};

describe.each(['postgres', 'redis'] as const)('atomic updates on %s', (kind) => {
  it('two store instances adding usage at once lose no increment', async () => {
    const guildId = snowflake();
    const [a, b] = await Promise.all([open(urls[kind]), open(urls[kind])]);
    const entry = { userId: USER, guildId, at: NOW, promptTokens: 10, completionTokens: 1, requests: 1, costUsd: 0.5 };
    const writes = [];
    for (let i = 0; i < 20; i++) writes.push(a.recordUsage(entry), b.recordUsage(entry));
    await Promise.all(writes);
    const reader = await open(urls[kind]);
    const total = await reader.getGuildUsage(guildId, DAY);
    expect(total).toMatchObject({ promptTokens: 400, completionTokens: 40, requests: 40 });
    expect(total.costUsd).toBeCloseTo(20);
    expect(await reader.getUserUsage(USER, guildId, DAY)).toMatchObject({ requests: 40 });
  });

  it('two processes recording usage at the same moment lose no increment', async () => {
    const guildId = snowflake();
    const workers = [0, 1].map(() => spawnWorkerWithArgs(RECORDER, [urls[kind], guildId, USER, '30']));
    try {
      for (const worker of workers) expect(await worker.nextLine()).toBe('ready');
      for (const worker of workers) worker.send('go');
      for (const worker of workers) expect(await worker.nextLine()).toBe('done');
    } finally {
      await Promise.all(workers.map((w) => w.stop()));
    }
    const total = await (await open(urls[kind])).getGuildUsage(guildId, DAY);
    expect(total).toMatchObject({ promptTokens: 180, completionTokens: 120, requests: 60 });
    expect(total.costUsd).toBeCloseTo(15);
  }, 30_000);

  it('members first seen by two instances at once all appear in the ranking', async () => {
    const guildId = snowflake();
    const [a, b] = await Promise.all([open(urls[kind]), open(urls[kind])]);
    const members = Array.from({ length: 10 }, (_, i) => `1000000000000001${String(i).padStart(2, '0')}`);
    const usage = (userId: string, tokens: number) => ({
      userId,
      guildId,
      at: NOW,
      promptTokens: tokens,
      completionTokens: 0,
      requests: 1,
      costUsd: 0,
    });
    await Promise.all(members.map((id, i) => (i % 2 ? a : b).recordUsage(usage(id, 100 - i))));
    const top = await (await open(urls[kind])).getTopUsers(guildId, DAY, 10);
    expect(top.map((m) => m.userId)).toEqual(members);
  });

  it('of two claimants at the same moment exactly one holds the lease, every time', async () => {
    const [a, b] = await Promise.all([open(urls[kind]), open(urls[kind])]);
    for (let round = 0; round < 15; round++) {
      const name = `test:${snowflake()}`;
      const [byA, byB] = await Promise.all([
        a.claimLease(name, 'holder-a', 30_000),
        b.claimLease(name, 'holder-b', 30_000),
      ]);
      // Both read the same winner: the one the database let write.
      expect(byA.holderId).toBe(byB.holderId);
      expect(['holder-a', 'holder-b']).toContain(byA.holderId);
      const loser = byA.holderId === 'holder-a' ? b : a;
      await loser.releaseLease(name, byA.holderId === 'holder-a' ? 'holder-b' : 'holder-a');
      expect((await loser.claimLease(name, 'holder-c', 30_000)).holderId).toBe(byA.holderId);
    }
  });

  it('an expired lease is taken over; a released one is free again', async () => {
    const [a, b] = await Promise.all([open(urls[kind]), open(urls[kind])]);
    const name = `test:${snowflake()}`;
    expect((await a.claimLease(name, 'holder-a', 1)).holderId).toBe('holder-a');
    await new Promise((resolve) => setTimeout(resolve, 5)); // the 1 ms ttl has to pass on the clock
    expect((await b.claimLease(name, 'holder-b', 30_000)).holderId).toBe('holder-b');
    expect((await a.claimLease(name, 'holder-a', 30_000)).holderId).toBe('holder-b');
    await b.releaseLease(name, 'holder-b');
    expect((await a.claimLease(name, 'holder-a', 30_000)).holderId).toBe('holder-a');
  });

  it('two shards noting turns at once each list exactly their own threads to catch up on', async () => {
    // The databases are shared by every run: a fresh deployment name keeps this run's indexes apart.
    const run = randomUUID().slice(0, 8);
    const shards = await Promise.all(
      [0, 1].map(async (id) => ({
        store: await open(urls[kind], { activityScope: `shard:${id}:${run}` }),
        threads: Array.from({ length: 30 }, () => snowflake()),
      })),
    );
    const now = Date.now();
    await Promise.all(
      shards.flatMap(({ store, threads }) =>
        threads.map(async (threadId, i) => {
          await store.noteTurnStarted(threadId, snowflake(), now + i);
          await store.noteAnswerMessage(threadId, now + i, snowflake());
        }),
      ),
    );
    for (const { store, threads } of shards) {
      const planned = await store.recentActivity(now - 60_000, 100);
      expect(planned.map((entry) => entry.threadId).sort()).toEqual([...threads].sort());
      expect(planned.every((entry) => entry.inflight?.messageIds.length === 1)).toBe(true);
    }
  });
});
