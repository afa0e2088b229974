/**
 * Which members of a guild used the bot on a day, so `/usage` can rank them without scanning every counter:
 * `usage:users:<guild>:<day>` holds their ids. On PostgreSQL and Redis the database appends (atomicOps); elsewhere
 * additions to one index run through the store's per-key queue, like the counters. An id this process already
 * wrote for today is not written again.
 */
import type { KeyedQueue } from '../util/keyedQueue.js';
import type { RecordIo } from './records.js';
import { toStoreError } from './storeError.js';
import { totalTokens, type MemberUsage, type UsageTotals } from './types.js';

/** Counter records read per round trip when ranking. */
const RANK_PAGE = 256;

export interface UsageKeys {
  userIndex(guildId: string, day: string): string;
  userUsage(guildId: string, userId: string, day: string): string;
}

export class UsageUserIndex {
  /** Index keys → ids known to be written, for `day` only (older days are rare and simply re-checked). */
  private known = new Map<string, Set<string>>();
  private day = '';

  constructor(
    private readonly io: RecordIo,
    private readonly writes: KeyedQueue,
    private readonly keys: UsageKeys,
    /** Per-key totals including increments not yet written (UsageCounters.totalsOf). */
    private readonly totalsOf: (keys: string[]) => Promise<Map<string, UsageTotals>>,
  ) {}

  /** Note that `userId` has usage in `guildId` on `day`. Rejects with a StoreError if the index write failed. */
  add(guildId: string, userId: string, day: string): Promise<void> {
    if (day !== this.day) {
      this.day = day;
      this.known = new Map();
    }
    const key = this.keys.userIndex(guildId, day);
    if (this.known.get(key)?.has(userId)) return Promise.resolve();
    return this.writes.run(key, async () => {
      if (this.io.atomic) {
        await this.io.atomic.addToList(key, userId).catch((e: unknown) => {
          throw toStoreError(e, 'writing the usage index');
        });
      } else {
        const ids = (await this.io.get<string[]>(key)) ?? [];
        if (!ids.includes(userId)) await this.io.set(key, [...ids, userId]);
      }
      if (day === this.day) this.known.set(key, (this.known.get(key) ?? new Set()).add(userId));
    });
  }

  /** The `limit` members with the most tokens over `days`, most first (ties: lower id first, for stable output). */
  async top(guildId: string, days: string[], limit: number): Promise<MemberUsage[]> {
    const indexes = await this.io.getMany<string[]>(days.map((day) => this.keys.userIndex(guildId, day)));
    const owners = new Map<string, string>();
    days.forEach((day, i) => {
      for (const userId of indexes[i] ?? []) owners.set(this.keys.userUsage(guildId, userId, day), userId);
    });
    const byUser = new Map<string, UsageTotals>();
    const counterKeys = [...owners.keys()];
    for (let start = 0; start < counterKeys.length; start += RANK_PAGE) {
      const totals = await this.totalsOf(counterKeys.slice(start, start + RANK_PAGE));
      for (const [key, value] of totals) {
        const userId = owners.get(key)!;
        byUser.set(userId, add(byUser.get(userId), value));
      }
    }
    return [...byUser]
      .map(([userId, totals]) => ({ userId, totals }))
      .filter((m) => totalTokens(m.totals) > 0)
      .sort((a, b) => totalTokens(b.totals) - totalTokens(a.totals) || (a.userId < b.userId ? -1 : 1))
      .slice(0, limit);
  }
}

function add(a: UsageTotals | undefined, b: UsageTotals): UsageTotals {
  if (!a) return { ...b };
  return {
    promptTokens: a.promptTokens + b.promptTokens,
    completionTokens: a.completionTokens + b.completionTokens,
    requests: a.requests + b.requests,
    costUsd: a.costUsd + b.costUsd,
  };
}
