import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore, type KeyvStore } from '../../../src/store/keyvStore.js';
import { lastDays } from '../../../src/store/types.js';
import { makeTempDir, sqliteUrl } from '../../helpers/tempDir.js';

const GUILD = '200000000000000001';
const OTHER_GUILD = '200000000000000002';
const NOW = Date.UTC(2026, 5, 15, 12);
const DAY = 86_400_000;

const usage = (userId: string, tokens: number, at = NOW, guildId: string | null = GUILD) => ({
  userId,
  guildId,
  at,
  promptTokens: tokens,
  completionTokens: 0,
  requests: 1,
  costUsd: tokens / 1_000_000,
});

describe('usage ranking and settings updates on a real SQLite file', () => {
  let temp: ReturnType<typeof makeTempDir>;
  let store: KeyvStore;
  beforeEach(async () => {
    temp = makeTempDir();
    store = await openStore(sqliteUrl(temp.dir));
  });
  afterEach(async () => {
    await store.close().catch(() => undefined);
    temp.remove();
  });

  it('ranks the top members of one guild by tokens, today and over 30 days, and after a reopen', async () => {
    // u1..u7 today with 10..70 tokens; u8 used 1000 tokens 10 days ago; u9 only in another guild; u10 in a DM.
    for (let i = 1; i <= 7; i++) await store.recordUsage(usage(`u${i}`, i * 10));
    await store.recordUsage(usage('u1', 5));
    await store.recordUsage(usage('u8', 1_000, NOW - 10 * DAY));
    await store.recordUsage(usage('u9', 5_000, NOW, OTHER_GUILD));
    await store.recordUsage(usage('u10', 5_000, NOW, null));
    // Outside the 30 days: not counted.
    await store.recordUsage(usage('u11', 9_000, NOW - 40 * DAY));

    const today = lastDays(NOW, 1);
    const month = lastDays(NOW, 30);
    const ranked = async () => ({
      today: (await store.getTopUsers(GUILD, today, 5)).map((m) => [m.userId, m.totals.promptTokens]),
      month: (await store.getTopUsers(GUILD, month, 5)).map((m) => [m.userId, m.totals.promptTokens]),
    });
    const expected = {
      today: [
        ['u7', 70],
        ['u6', 60],
        ['u5', 50],
        ['u4', 40],
        ['u3', 30],
      ],
      month: [
        ['u8', 1_000],
        ['u7', 70],
        ['u6', 60],
        ['u5', 50],
        ['u4', 40],
      ],
    };
    expect(await ranked()).toEqual(expected);
    const top = (await store.getTopUsers(GUILD, month, 5))[0]!;
    expect(top.totals).toMatchObject({ requests: 1, costUsd: 0.001 });

    await store.close();
    store = await openStore(sqliteUrl(temp.dir));
    expect(await ranked()).toEqual(expected);
    // The index was written once per member and day, not once per turn.
    expect(await store.io.get<string[]>(`usage:users:${GUILD}:${today[0]}`)).toHaveLength(7);
  });

  it('concurrent turns of many members all land in the index', async () => {
    await Promise.all(Array.from({ length: 40 }, (_, i) => store.recordUsage(usage(`m${i}`, 100 + i))));
    const all = await store.getTopUsers(GUILD, lastDays(NOW, 1), 100);
    expect(all).toHaveLength(40);
    expect(all[0]).toMatchObject({ userId: 'm39' });
  });

  it('concurrent settings changes by two admins both land', async () => {
    await Promise.all([
      store.updateGuildSettings(GUILD, (s) => ({ ...s, dailyTokens: 500 })),
      store.updateGuildSettings(GUILD, (s) => ({ ...s, roleId: '400000000000000001' })),
      store.updateGuildSettings(GUILD, (s) => ({ ...s, toolsEnabled: false })),
    ]);
    expect(await store.getGuildSettings(GUILD)).toEqual({
      dailyTokens: 500,
      roleId: '400000000000000001',
      toolsEnabled: false,
    });
    const { before, after } = await store.updateGuildSettings(GUILD, (s) => ({ ...s, dailyTokens: 0 }));
    expect([before.dailyTokens, after.dailyTokens]).toEqual([500, 0]);
  });
});
