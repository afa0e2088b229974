/**
 * The store on the server databases keyv's adapters reach (DATABASE_URL=postgres://… and redis://…), on a real
 * PostgreSQL and redis-server: turns and resets round-trip and survive a reopen, and closing one store leaves the
 * others in the same process working (each owns its connection pool).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../../src/store/keyvStore.js';
import { textTurn, turnText, type Turn } from '../../../src/store/types.js';
import { ensureTestServices } from '../../helpers/testServices.js';
import { freshSnowflake as snowflake } from './serverIds.js';

const USER = '100000000000000001';
const NOW = Date.UTC(2026, 0, 15, 12);
let urls: Record<'postgres' | 'redis', string>;

beforeAll(async () => {
  const services = await ensureTestServices();
  urls = { postgres: services.postgresUrl, redis: services.redisUrl };
}, 240_000);

const turn = (role: Turn['role'], text: string): Turn =>
  textTurn({ role, text, authorId: USER, messageIds: ['500000000000000001'], tokens: text.length, at: NOW });

describe.each(['postgres', 'redis'] as const)('store on %s', (kind) => {
  it('keeps turns across a reopen, and a reset forgets them', async () => {
    const threadId = snowflake();
    let store = await openStore(urls[kind]);
    const created = { threadId, guildId: snowflake(), channelId: snowflake(), creatorId: USER, createdAt: NOW };
    const meta = await store.createThread(created);
    await store.commitTurns(meta, [turn('user', 'hi'), turn('assistant', 'hello')]);
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

  it('closing one store leaves another on the same URL working, and each closes cleanly', async () => {
    const [a, b] = await Promise.all([openStore(urls[kind]), openStore(urls[kind])]);
    const threadId = snowflake();
    await a.createThread({ threadId, guildId: snowflake(), channelId: snowflake(), creatorId: USER, createdAt: NOW });
    await a.close();
    expect((await b.getThread(threadId))?.threadId).toBe(threadId);
    await expect(b.close()).resolves.toBeUndefined();
  });
});
