/**
 * The store on the server databases keyv's adapters reach (DATABASE_URL=postgres://… and redis://…), on a real
 * PostgreSQL and redis-server: turns, resets and usage round-trip, survive a reopen, and two store instances (two
 * processes' worth) writing usage at once lose no increment.
 */
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../../src/store/keyvStore.js';
import { lastDays, textTurn, turnText, type Turn } from '../../../src/store/types.js';
import { ensureTestServices } from '../../helpers/testServices.js';

const USER = '100000000000000001';
const NOW = Date.UTC(2026, 0, 15, 12);
let urls: Record<'postgres' | 'redis', string>;

beforeAll(async () => {
  const services = await ensureTestServices();
  urls = { postgres: services.postgresUrl, redis: services.redisUrl };
}, 240_000);

const turn = (role: Turn['role'], text: string): Turn =>
  textTurn({ role, text, authorId: USER, messageIds: ['500000000000000001'], tokens: text.length, at: NOW });

// Fresh ids per run: the databases are shared by every test run.
const snowflake = () => String(BigInt(`0x${randomUUID().replace(/-/g, '').slice(0, 14)}`) + 100000000000000000n);

// KNOWN DEFECTS (reported to the lead; src/store is not this branch's to edit). `it.fails` keeps them visible:
// once fixed, these fail and must become plain `it`.
// - records.ts writeAll: keyv's setMany returns undefined on @keyv/postgres and @keyv/redis → TypeError on commit.
// - @keyv/postgres: closing one store ends the pool shared by every store on that URL ("Called end on pool more
//   than once").
// - usage counters are read-modify-write per process: two instances lose increments (needs an atomic add).
describe.each(['postgres', 'redis'] as const)('store on %s', (kind) => {
  it.fails('keeps turns across a reopen, and a reset forgets them', async () => {
    const threadId = snowflake();
    let store = await openStore(urls[kind]);
    let meta = await store.createThread({ threadId, guildId: snowflake(), channelId: snowflake(), creatorId: USER, createdAt: NOW });
    meta = await store.commitTurns(meta, [turn('user', 'hi'), turn('assistant', 'hello')]);
    await store.close();

    store = await openStore(urls[kind]);
    const reopened = await store.getThread(threadId);
    expect(reopened?.turnCount).toBe(2);
    expect((await store.getTurns(reopened!, 0, 2)).map(turnText)).toEqual(['hi', 'hello']);
    await store.resetThread(threadId);
    const reset = await store.getThread(threadId);
    expect(reset?.turnCount).toBe(0);
    expect(await store.getTurns(reset!, 0, 10)).toEqual([]);
    await store.close();
  });

  it.fails('two store instances adding usage at once lose no increment', async () => {
    const guildId = snowflake();
    const [a, b] = await Promise.all([openStore(urls[kind]), openStore(urls[kind])]);
    const entry = { userId: USER, guildId, at: NOW, promptTokens: 10, completionTokens: 1, requests: 1, costUsd: 0.5 };
    const writes = [];
    for (let i = 0; i < 20; i++) writes.push(a.recordUsage(entry), b.recordUsage(entry));
    await Promise.all(writes);
    await Promise.all([a.close(), b.close()]);
    const reader = await openStore(urls[kind]);
    const total = await reader.getGuildUsage(guildId, lastDays(NOW, 1));
    await reader.close();
    expect(total).toMatchObject({ promptTokens: 400, completionTokens: 40, requests: 40 });
    expect(total.costUsd).toBeCloseTo(20);
  });
});
