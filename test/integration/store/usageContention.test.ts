import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore, StoreError, type KeyvStore } from '../../../src/store/keyvStore.js';
import { lastDays, type UsageEntry } from '../../../src/store/types.js';
import { makeTempDir, sqliteUrl } from '../../helpers/tempDir.js';
import { GUILD, USER } from './sampleTurns.js';
import { fileOf, SecondConnection } from './sqliteFaults.js';

const AT = Date.UTC(2026, 10, 23, 12);
const DAY = lastDays(AT, 1);
const entry = (userId = USER): UsageEntry => ({
  userId,
  guildId: GUILD,
  at: AT,
  promptTokens: 10,
  completionTokens: 5,
  requests: 1,
  costUsd: 0.001,
});

describe('usage under a competing write lock', () => {
  let temp: ReturnType<typeof makeTempDir>;
  let url: string;
  let store: KeyvStore;
  let other: SecondConnection;
  beforeEach(() => {
    temp = makeTempDir();
    url = sqliteUrl(temp.dir);
    other = new SecondConnection(fileOf(url));
  });
  afterEach(async () => {
    await other.close().catch(() => undefined);
    await store?.close().catch(() => undefined);
    temp.remove();
  });

  it('an increment that meets the lock is retried and lands once the lock is gone', async () => {
    store = await openStore(url, { busyTimeoutMs: 100, usageRetry: { attempts: 5, backoffMs: 200 } });
    await store.recordUsage(entry());
    const lock = await other.holdWriteLock();
    setTimeout(() => void lock.release(), 250);
    await Promise.all(Array.from({ length: 10 }, () => store.recordUsage(entry())));
    await store.close();
    store = await openStore(url);
    expect(await store.getUserUsage(USER, GUILD, DAY)).toMatchObject({ requests: 11, promptTokens: 110 });
    expect((await store.getGuildUsage(GUILD, DAY)).completionTokens).toBe(55);
  });

  it('increments that cannot land are reported, still counted, and written later: totals stay exact', async () => {
    store = await openStore(url, { busyTimeoutMs: 50, usageRetry: { attempts: 2, backoffMs: 20 } });
    await store.recordUsage(entry());
    const lock = await other.holdWriteLock();
    const blocked = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) => store.recordUsage(entry(i % 2 ? USER : '100000000000000009'))),
    );
    // Each one says it was not written, and why.
    expect(
      blocked.every((r) => r.status === 'rejected' && r.reason instanceof StoreError && r.reason.kind === 'busy'),
    ).toBe(true);
    // /usage in this process still sees every request.
    expect((await store.getUserUsage(USER, GUILD, DAY)).requests).toBe(11);
    expect((await store.getGuildUsage(GUILD, DAY)).requests).toBe(21);
    await lock.release();
    // The next update of a counter carries what was owed; close writes the rest.
    await Promise.all(Array.from({ length: 30 }, () => store.recordUsage(entry())));
    await store.close();
    store = await openStore(url);
    const user = await store.getUserUsage(USER, GUILD, DAY);
    expect(user).toMatchObject({ requests: 41, promptTokens: 410, completionTokens: 205 });
    expect(user.costUsd).toBeCloseTo(0.041, 10);
    expect((await store.getUserUsage('100000000000000009', GUILD, DAY)).requests).toBe(10);
    expect((await store.getGuildUsage(GUILD, DAY)).requests).toBe(51);
  });

  it('owed increments of a counter nobody updates again are written at close', async () => {
    store = await openStore(url, { busyTimeoutMs: 50, usageRetry: { attempts: 1, backoffMs: 0 } });
    const lock = await other.holdWriteLock();
    await expect(store.recordUsage(entry('100000000000000007'))).rejects.toBeInstanceOf(StoreError);
    await lock.release();
    await store.close();
    store = await openStore(url);
    expect((await store.getUserUsage('100000000000000007', GUILD, DAY)).requests).toBe(1);
  });
});
