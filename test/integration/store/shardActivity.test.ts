/**
 * Two shard processes on one server database, each noting the turns of its own threads at the same moments: each
 * finds exactly its own threads when it plans to catch up, none lost to the other's writes and none of the other's.
 */
import { randomUUID } from 'node:crypto';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type KeyvStore } from '../../../src/store/keyvStore.js';
import { ensureTestServices } from '../../helpers/testServices.js';
import { freshSnowflake as snowflake } from './serverIds.js';

const THREADS_EACH = 30;
let urls: Record<'postgres' | 'redis', string>;
const opened: KeyvStore[] = [];

beforeAll(async () => {
  const services = await ensureTestServices();
  urls = { postgres: services.postgresUrl, redis: services.redisUrl };
}, 240_000);
afterEach(async () => {
  for (const store of opened.splice(0)) await store.close().catch(() => undefined);
});

describe.each(['postgres', 'redis'] as const)('catch-up activity of two shards on %s', (kind) => {
  it('each shard lists exactly its own threads after both wrote at once', async () => {
    // The databases are shared by every run: a fresh deployment name keeps this run's indexes apart.
    const run = randomUUID().slice(0, 8);
    const shards = await Promise.all(
      [0, 1].map(async (id) => {
        const store = await openStore(urls[kind], { activityScope: `shard:${id}:${run}` });
        opened.push(store);
        return { store, threads: Array.from({ length: THREADS_EACH }, () => snowflake()) };
      }),
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
