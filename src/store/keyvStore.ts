import type { Logger } from '../log.js';
import { KeyedQueue } from '../util/keyedQueue.js';
import { ActivityLog } from './activityLog.js';
import { GuildSettingsRecords } from './guildSettingsRecords.js';
import { claimLeaseRecord, releaseLeaseRecord } from './leaseRecords.js';
import { openRecordIo, type AdapterOptions } from './openAdapter.js';
import type { RecordIo } from './records.js';
import type { TurnSplice } from './spliceTurns.js';
import { StoreError, toStoreError } from './storeError.js';
import { storeKeys } from './storeKeys.js';
import { ThreadRecords } from './threadRecords.js';
import type { UsageRetry } from './usageCounters.js';
import { UsageRecords } from './usageRecords.js';
import type {
  GuildSettings,
  ImageBlob,
  LeaseRecord,
  LeaseStore,
  MemberUsage,
  Store,
  StoreHealth,
  ThreadActivity,
  ThreadMeta,
  ThreadSummary,
  Turn,
  UsageEntry,
  UsageTotals,
} from './types.js';

export { notSavedNotice, StoreError, type StoreErrorKind } from './storeError.js';

const PING_TIMEOUT_MS = 2_000;

export interface KeyvStoreOptions {
  logger?: Logger;
  usageRetry?: UsageRetry;
  /** The shard whose threads this process serves (`shard:<id>`): its own activity index (activityRecords.ts). */
  activityScope?: string;
}

/**
 * The store on keyv: threads, settings, usage and activity (one class each) sharing one per-key write queue, since
 * keyv has no atomic read-modify-write. Every read and write is checked (RecordIo), so a full disk or a held lock
 * surfaces as a StoreError with its cause instead of a turn that silently vanished.
 */
export class KeyvStore implements Store, LeaseStore, StoreHealth {
  private readonly writes = new KeyedQueue();
  private readonly threads: ThreadRecords;
  private readonly settings: GuildSettingsRecords;
  private readonly usage: UsageRecords;
  private readonly activity: ActivityLog;
  private readonly closers: Array<() => Promise<void>> = [];

  constructor(
    readonly io: RecordIo,
    private readonly options: KeyvStoreOptions = {},
  ) {
    this.threads = new ThreadRecords(io, this.writes, options.logger);
    this.settings = new GuildSettingsRecords(io, this.writes);
    this.usage = new UsageRecords(io, this.writes, options.usageRetry);
    this.activity = new ActivityLog(io, this.writes, options.activityScope);
  }

  getThread(threadId: string): Promise<ThreadMeta | undefined> {
    return this.threads.getThread(threadId);
  }

  createThread(meta: Omit<ThreadMeta, 'turnCount' | 'epoch' | 'summary'>): Promise<ThreadMeta> {
    return this.threads.createThread(meta);
  }

  getTurns(meta: ThreadMeta, from: number, to: number): Promise<Turn[]> {
    return this.threads.getTurns(meta, from, to);
  }

  commitTurns(meta: ThreadMeta, turns: Turn[], summary?: ThreadSummary, blobs: ImageBlob[] = []): Promise<ThreadMeta> {
    return this.threads.commitTurns(meta, turns, summary, blobs);
  }

  spliceTurns(meta: ThreadMeta, splice: TurnSplice): Promise<ThreadMeta> {
    return this.threads.spliceTurns(meta, splice);
  }

  resetThread(threadId: string): Promise<void> {
    return this.threads.resetThread(threadId);
  }

  getBlobs(threadId: string, ids: readonly string[]): Promise<Map<string, Uint8Array>> {
    return this.threads.getBlobs(threadId, ids);
  }

  setThreadModel(threadId: string, model: string): Promise<boolean> {
    return this.threads.setThreadModel(threadId, model);
  }

  getGuildSettings(guildId: string): Promise<GuildSettings> {
    return this.settings.getGuildSettings(guildId);
  }

  setGuildSettings(guildId: string, settings: GuildSettings): Promise<void> {
    return this.settings.setGuildSettings(guildId, settings);
  }

  updateGuildSettings(
    guildId: string,
    change: (current: GuildSettings) => GuildSettings,
  ): Promise<{ before: GuildSettings; after: GuildSettings }> {
    return this.settings.updateGuildSettings(guildId, change);
  }

  recordUsage(entry: UsageEntry): Promise<void> {
    return this.usage.recordUsage(entry);
  }

  getUserUsage(userId: string, guildId: string | null, days: string[]): Promise<UsageTotals> {
    return this.usage.getUserUsage(userId, guildId, days);
  }

  getGuildUsage(guildId: string | null, days: string[]): Promise<UsageTotals> {
    return this.usage.getGuildUsage(guildId, days);
  }

  getTopUsers(guildId: string, days: string[], limit: number): Promise<MemberUsage[]> {
    return this.usage.getTopUsers(guildId, days, limit);
  }

  noteTurnStarted(threadId: string, messageId: string | undefined, at: number): Promise<void> {
    return this.activity.noteTurnStarted(threadId, messageId, at);
  }

  noteAnswerMessage(threadId: string, startedAt: number, messageId: string): Promise<void> {
    return this.activity.noteAnswerMessage(threadId, startedAt, messageId);
  }

  endInflight(threadId: string, startedAt: number): Promise<void> {
    return this.activity.endInflight(threadId, startedAt);
  }

  recentActivity(since: number, limit: number): Promise<ThreadActivity[]> {
    return this.activity.recentActivity(since, limit);
  }

  claimLease(name: string, holderId: string, ttlMs: number): Promise<LeaseRecord> {
    return this.writes.run(storeKeys.lease(name), () => claimLeaseRecord(this.io, name, holderId, ttlMs));
  }

  releaseLease(name: string, holderId: string): Promise<void> {
    return this.writes.run(storeKeys.lease(name), () => releaseLeaseRecord(this.io, name, holderId));
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
      await Promise.race([this.io.get(storeKeys.healthPing), timeout]);
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
}

export interface OpenStoreOptions extends AdapterOptions, KeyvStoreOptions {}

/** Open the store named by DATABASE_URL. SQLite is built in; other keyv adapters load only when used. */
export async function openStore(databaseUrl: string, options: OpenStoreOptions = {}): Promise<KeyvStore> {
  return new KeyvStore(await openRecordIo(databaseUrl, options), options);
}
