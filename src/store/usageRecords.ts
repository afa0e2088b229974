import type { KeyedQueue } from '../util/keyedQueue.js';
import type { RecordIo } from './records.js';
import { storeKeys as keys } from './storeKeys.js';
import { UsageCounters, type UsageRetry } from './usageCounters.js';
import { UsageUserIndex } from './usageIndex.js';
import { utcDay, type MemberUsage, type UsageEntry, type UsageTotals } from './types.js';

/** Daily usage per member and per guild (UsageCounters), and the index of who used the bot (UsageUserIndex). */
export class UsageRecords {
  private readonly counters: UsageCounters;
  private readonly users: UsageUserIndex;

  constructor(io: RecordIo, writes: KeyedQueue, retry?: UsageRetry) {
    this.counters = new UsageCounters(io, writes, retry);
    const indexKeys = { userIndex: keys.userIndex, userUsage: keys.userUsage };
    this.users = new UsageUserIndex(io, writes, indexKeys, (k) => this.counters.totalsOf(k));
  }

  /** Rejects with a StoreError if a counter could not be written after retries; the amount is kept and retried. */
  async recordUsage(entry: UsageEntry): Promise<void> {
    const day = utcDay(entry.at);
    const results = await Promise.allSettled([
      this.counters.add(keys.userUsage(entry.guildId, entry.userId, day), entry),
      this.counters.add(keys.guildUsage(entry.guildId, day), entry),
    ]);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    // After the counters: a failed index write leaves the totals exact and is retried by the member's next turn.
    if (entry.guildId !== null) await this.users.add(entry.guildId, entry.userId, day);
  }

  getUserUsage(userId: string, guildId: string | null, days: string[]): Promise<UsageTotals> {
    return this.counters.sum(days.map((day) => keys.userUsage(guildId, userId, day)));
  }

  getGuildUsage(guildId: string | null, days: string[]): Promise<UsageTotals> {
    return this.counters.sum(days.map((day) => keys.guildUsage(guildId, day)));
  }

  getTopUsers(guildId: string, days: string[], limit: number): Promise<MemberUsage[]> {
    return this.users.top(guildId, days, limit);
  }

  /** Write the amounts still owed (after failed writes) once more. */
  flush(): Promise<void> {
    return this.counters.flush();
  }
}
