import type { Logger } from '../log.js';
import { KeyedQueue } from '../util/keyedQueue.js';
import {
  ACTIVITY_KEY,
  emptyIndex,
  recentEntries,
  withAnswerMessage,
  withInflightEnded,
  withTurnStarted,
  type ActivityIndex,
} from './activityRecords.js';
import { claimLeaseRecord, releaseLeaseRecord } from './leaseRecords.js';
import { openRecordIo, type AdapterOptions } from './openAdapter.js';
import type { RecordIo } from './records.js';
import { planSplice, type TurnSplice } from './spliceTurns.js';
import { StoreError, toStoreError } from './storeError.js';
import { UsageCounters, type UsageRetry } from './usageCounters.js';
import { UsageUserIndex } from './usageIndex.js';
import {
  utcDay,
  type GuildSettings,
  type LeaseRecord,
  type LeaseStore,
  type MemberUsage,
  type Store,
  type StoreHealth,
  type ThreadActivity,
  type ThreadMeta,
  type ThreadSummary,
  type Turn,
  type UsageEntry,
  type UsageTotals,
  upgradeTurn,
  type ImageBlob,
} from './types.js';

export { notSavedNotice, StoreError, type StoreErrorKind } from './storeError.js';

/** Turns fetched per round trip when reading a range. */
const TURN_PAGE = 128;
const DM_SCOPE = 'dm';
const PING_TIMEOUT_MS = 2_000;

const keys = {
  thread: (threadId: string) => `thread:${threadId}`,
  // The epoch in the key means a reset can never read back an old turn, even one whose delete did not land.
  turn: (threadId: string, epoch: number, index: number) => `turn:${threadId}:${epoch}:${index}`,
  guild: (guildId: string) => `guild:${guildId}`,
  // Images are kept once per thread (sha256 id), as the resized copy: Discord's CDN links expire.
  blob: (threadId: string, blobId: string) => `blob:${threadId}:${blobId}`,
  userUsage: (guildId: string | null, userId: string, day: string) => `usage:u:${guildId ?? DM_SCOPE}:${userId}:${day}`,
  guildUsage: (guildId: string | null, day: string) => `usage:g:${guildId ?? DM_SCOPE}:${day}`,
  userIndex: (guildId: string, day: string) => `usage:users:${guildId}:${day}`,
};

interface StoredBlob {
  mime: string;
  data: string;
}

const storedBlob = (blob: ImageBlob): StoredBlob => ({ mime: blob.mime, data: Buffer.from(blob.bytes).toString('base64') });

/** The thread record lists its blobs, so a reset can delete them without reading every turn. */
const withBlobIds = (meta: ThreadMeta, blobs: readonly ImageBlob[]): Pick<ThreadMeta, 'blobIds'> =>
  blobs.length === 0 ? {} : { blobIds: [...new Set([...(meta.blobIds ?? []), ...blobs.map((b) => b.id)])] };

export interface KeyvStoreOptions {
  logger?: Logger;
  usageRetry?: UsageRetry;
}

/**
 * The store on keyv. Every read and write is checked (RecordIo), so a full disk or a held lock surfaces as a
 * StoreError with its cause instead of a turn that silently vanished. keyv has no atomic read-modify-write, so
 * every such update of one record runs through a per-key queue.
 */
export class KeyvStore implements Store, LeaseStore, StoreHealth {
  private readonly writes = new KeyedQueue();
  private readonly usage: UsageCounters;
  private readonly usageUsers: UsageUserIndex;
  private readonly closers: Array<() => Promise<void>> = [];
  private readonly reportedGaps = new Set<string>();

  constructor(
    readonly io: RecordIo,
    private readonly options: KeyvStoreOptions = {},
  ) {
    this.usage = new UsageCounters(io, this.writes, options.usageRetry);
    const indexKeys = { userIndex: keys.userIndex, userUsage: keys.userUsage };
    this.usageUsers = new UsageUserIndex(io, this.writes, indexKeys, (k) => this.usage.totalsOf(k));
  }

  async getThread(threadId: string): Promise<ThreadMeta | undefined> {
    return this.io.get<ThreadMeta>(keys.thread(threadId));
  }

  async createThread(meta: Omit<ThreadMeta, 'turnCount' | 'epoch' | 'summary'>): Promise<ThreadMeta> {
    return this.writes.run(keys.thread(meta.threadId), async () => {
      const existing = await this.getThread(meta.threadId);
      if (existing) return existing;
      const created: ThreadMeta = { ...meta, turnCount: 0, epoch: 0 };
      await this.io.set(keys.thread(meta.threadId), created);
      return created;
    });
  }

  /**
   * Turns [from, to) that exist. A record that claims turns which are missing (written by an older version that
   * ignored failed writes) is served without the gaps and logged once, instead of failing every later message.
   */
  async getTurns(meta: ThreadMeta, from: number, to: number): Promise<Turn[]> {
    const start = Math.max(0, from);
    const end = Math.min(meta.turnCount, to);
    const turns: Turn[] = [];
    let missing = 0;
    for (let pageStart = start; pageStart < end; pageStart += TURN_PAGE) {
      const pageKeys: string[] = [];
      for (let i = pageStart; i < Math.min(end, pageStart + TURN_PAGE); i++) {
        pageKeys.push(keys.turn(meta.threadId, meta.epoch, i));
      }
      for (const turn of await this.io.getMany<Turn>(pageKeys)) {
        if (turn) turns.push(upgradeTurn(turn));
        else missing++;
      }
    }
    if (missing > 0) this.reportGap(meta, missing);
    return turns;
  }

  async commitTurns(meta: ThreadMeta, turns: Turn[], summary?: ThreadSummary, blobs: ImageBlob[] = []): Promise<ThreadMeta> {
    return this.writes.run(keys.thread(meta.threadId), async () => {
      const current = await this.getThread(meta.threadId);
      // A reset (or another writer) moved the thread on since this turn started: the turn belongs to a
      // history that no longer exists, so it is dropped rather than grafted onto the fresh one.
      if (!current || current.epoch !== meta.epoch || current.turnCount !== meta.turnCount) {
        throw new StoreError(`thread ${meta.threadId} changed while a turn was running`, 'conflict');
      }
      const next: ThreadMeta = {
        ...current,
        turnCount: current.turnCount + turns.length,
        summary: summary ?? current.summary,
        ...withBlobIds(current, blobs),
      };
      // The thread record goes last: it is the commit point, and writeAll lands all of these or none.
      await this.io.writeAll([
        ...blobs.map((blob) => ({ key: keys.blob(meta.threadId, blob.id), value: storedBlob(blob) })),
        ...turns.map((turn, i) => ({ key: keys.turn(meta.threadId, meta.epoch, meta.turnCount + i), value: turn })),
        { key: keys.thread(meta.threadId), value: next },
      ]);
      return next;
    });
  }

  /** Replace or remove turns (spliceTurns.ts) in one commit; throws a conflict when the thread moved on meanwhile. */
  async spliceTurns(meta: ThreadMeta, splice: TurnSplice): Promise<ThreadMeta> {
    const threadId = meta.threadId;
    const plan = await this.writes.run(keys.thread(threadId), async () => {
      const current = await this.getThread(threadId);
      if (!current || current.epoch !== meta.epoch || current.turnCount !== meta.turnCount) {
        throw new StoreError(`thread ${threadId} changed while its history was being rewritten`, 'conflict');
      }
      const planned = await planSplice(current, splice, {
        readTurns: (from, to) => this.getTurns(current, from, to),
        turnKey: (index) => keys.turn(threadId, current.epoch, index),
        blobKey: (id) => keys.blob(threadId, id),
        blobValue: (blob) => storedBlob(blob),
        threadKey: keys.thread(threadId),
      });
      await this.io.writeAll(planned.entries);
      return planned;
    });
    if (plan.stale.length > 0) {
      // Past the new turn count nothing is read back; deleting is for privacy, so a failure is only logged.
      await this.io.deleteMany(plan.stale).catch((error: unknown) => {
        this.options.logger?.warn({ thread: threadId, err: error }, 'forgotten turns not deleted');
      });
    }
    return plan.next;
  }

  async resetThread(threadId: string): Promise<void> {
    const old = await this.writes.run(keys.thread(threadId), async () => {
      const current = await this.getThread(threadId);
      if (!current) return undefined;
      const { summary: _dropped, ...rest } = current;
      await this.io.set(keys.thread(threadId), { ...rest, turnCount: 0, epoch: current.epoch + 1 });
      return current;
    });
    if (!old || old.turnCount === 0) return;
    // Forget the old text and images too, not just hide them.
    const stale: string[] = (old.blobIds ?? []).map((id) => keys.blob(threadId, id));
    for (let i = 0; i < old.turnCount; i++) stale.push(keys.turn(threadId, old.epoch, i));
    try {
      for (let i = 0; i < stale.length; i += TURN_PAGE) await this.io.deleteMany(stale.slice(i, i + TURN_PAGE));
    } catch (error) {
      // The reset itself has landed (new epoch): leftovers can never be read back, so this is not a failed reset.
      this.options.logger?.warn({ thread: threadId, err: error }, 'old turns not deleted after reset');
    }
  }

  /** Image bytes of a thread by blob id; missing ones are simply absent from the map. */
  async getBlobs(threadId: string, ids: readonly string[]): Promise<Map<string, Uint8Array>> {
    const found = new Map<string, Uint8Array>();
    if (ids.length === 0) return found;
    const values = await this.io.getMany<StoredBlob>(ids.map((id) => keys.blob(threadId, id)));
    values.forEach((value, i) => {
      if (value) found.set(ids[i]!, Buffer.from(value.data, 'base64'));
    });
    return found;
  }

  async getGuildSettings(guildId: string): Promise<GuildSettings> {
    return (await this.io.get<GuildSettings>(keys.guild(guildId))) ?? {};
  }

  async setGuildSettings(guildId: string, settings: GuildSettings): Promise<void> {
    await this.writes.run(keys.guild(guildId), () => this.io.set(keys.guild(guildId), settings));
  }

  updateGuildSettings(
    guildId: string,
    change: (current: GuildSettings) => GuildSettings,
  ): Promise<{ before: GuildSettings; after: GuildSettings }> {
    return this.writes.run(keys.guild(guildId), async () => {
      const before = await this.getGuildSettings(guildId);
      const after = change(before);
      await this.io.set(keys.guild(guildId), after);
      return { before, after };
    });
  }

  async setThreadModel(threadId: string, model: string): Promise<boolean> {
    return this.writes.run(keys.thread(threadId), async () => {
      const current = await this.getThread(threadId);
      if (!current) return false;
      await this.io.set(keys.thread(threadId), { ...current, model });
      return true;
    });
  }

  /** Rejects with a StoreError if a counter could not be written after retries; the amount is kept and retried. */
  async recordUsage(entry: UsageEntry): Promise<void> {
    const day = utcDay(entry.at);
    const results = await Promise.allSettled([
      this.usage.add(keys.userUsage(entry.guildId, entry.userId, day), entry),
      this.usage.add(keys.guildUsage(entry.guildId, day), entry),
    ]);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    // After the counters: a failed index write leaves the totals exact and is retried by the member's next turn.
    if (entry.guildId !== null) await this.usageUsers.add(entry.guildId, entry.userId, day);
  }

  async getUserUsage(userId: string, guildId: string | null, days: string[]): Promise<UsageTotals> {
    return this.usage.sum(days.map((day) => keys.userUsage(guildId, userId, day)));
  }

  async getGuildUsage(guildId: string | null, days: string[]): Promise<UsageTotals> {
    return this.usage.sum(days.map((day) => keys.guildUsage(guildId, day)));
  }

  getTopUsers(guildId: string, days: string[], limit: number): Promise<MemberUsage[]> {
    return this.usageUsers.top(guildId, days, limit);
  }

  claimLease(name: string, holderId: string, ttlMs: number): Promise<LeaseRecord> {
    return this.writes.run(`lease:${name}`, () => claimLeaseRecord(this.io, name, holderId, ttlMs));
  }

  releaseLease(name: string, holderId: string): Promise<void> {
    return this.writes.run(`lease:${name}`, () => releaseLeaseRecord(this.io, name, holderId));
  }

  onClose(task: () => Promise<void>): void {
    this.closers.push(task);
  }

  async ping(timeoutMs = PING_TIMEOUT_MS): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new StoreError(`store did not answer within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      await Promise.race([this.io.get('health:ping'), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Releases leases, writes owed usage once more (logged if it still fails), then disconnects. */
  async close(): Promise<void> {
    for (const task of this.closers.splice(0)) {
      await task().catch((error: unknown) => this.options.logger?.warn({ err: error }, 'lease not released at close'));
    }
    await this.writes.idle();
    await this.usage
      .flush()
      .catch((error: unknown) => this.options.logger?.error({ err: error }, 'usage lost at close'));
    try {
      await this.io.kv.disconnect();
    } catch (error) {
      throw toStoreError(error, 'closing');
    }
  }

  noteTurnStarted(threadId: string, messageId: string | undefined, at: number): Promise<void> {
    return this.updateActivity((index) => withTurnStarted(index, threadId, messageId, at));
  }

  noteAnswerMessage(threadId: string, startedAt: number, messageId: string): Promise<void> {
    return this.updateActivity((index) => withAnswerMessage(index, threadId, startedAt, messageId));
  }

  endInflight(threadId: string, startedAt: number): Promise<void> {
    return this.updateActivity((index) => withInflightEnded(index, threadId, startedAt));
  }

  async recentActivity(since: number, limit: number): Promise<ThreadActivity[]> {
    return recentEntries((await this.io.get<ActivityIndex>(ACTIVITY_KEY)) ?? emptyIndex(), since, limit);
  }

  /** Read-modify-write of the activity index in its key's queue; `change` returns undefined for "no change". */
  private updateActivity(change: (index: ActivityIndex) => ActivityIndex | undefined): Promise<void> {
    return this.writes.run(ACTIVITY_KEY, async () => {
      const next = change((await this.io.get<ActivityIndex>(ACTIVITY_KEY)) ?? emptyIndex());
      if (next) await this.io.set(ACTIVITY_KEY, next);
    });
  }

  private reportGap(meta: ThreadMeta, missing: number): void {
    const key = `${meta.threadId}:${meta.epoch}`;
    if (this.reportedGaps.has(key)) return;
    this.reportedGaps.add(key);
    this.options.logger?.warn(
      { thread: meta.threadId, epoch: meta.epoch, turnCount: meta.turnCount, missing },
      'thread record claims turns that are missing; serving the ones that exist',
    );
  }
}

export interface OpenStoreOptions extends AdapterOptions, KeyvStoreOptions {}

/** Open the store named by DATABASE_URL. SQLite is built in; other keyv adapters load only when used. */
export async function openStore(databaseUrl: string, options: OpenStoreOptions = {}): Promise<KeyvStore> {
  return new KeyvStore(await openRecordIo(databaseUrl, options), options);
}
