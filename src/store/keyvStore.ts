import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Keyv, { type KeyvStoreAdapter } from 'keyv';
import { KeyedQueue } from '../util/keyedQueue.js';
import {
  emptyUsage,
  utcDay,
  type GuildSettings,
  type Store,
  type ThreadMeta,
  type ThreadSummary,
  type Turn,
  type UsageEntry,
  type UsageTotals,
  upgradeTurn,
} from './types.js';

/** Turns fetched per round trip when reading a range. */
const TURN_PAGE = 128;
const DM_SCOPE = 'dm';

export class StoreError extends Error {
  override name = 'StoreError';
}

const keys = {
  thread: (threadId: string) => `thread:${threadId}`,
  // The epoch in the key means a reset can never read back an old turn, even one whose delete did not land.
  turn: (threadId: string, epoch: number, index: number) => `turn:${threadId}:${epoch}:${index}`,
  guild: (guildId: string) => `guild:${guildId}`,
  userUsage: (guildId: string | null, userId: string, day: string) => `usage:u:${guildId ?? DM_SCOPE}:${userId}:${day}`,
  guildUsage: (guildId: string | null, day: string) => `usage:g:${guildId ?? DM_SCOPE}:${day}`,
};

/**
 * The store on keyv. Nothing here knows which backend keyv talks to; only `openStore` picks the adapter.
 * keyv has no atomic read-modify-write, so every such update of one record runs through a per-key queue.
 */
export class KeyvStore implements Store {
  private readonly writes = new KeyedQueue();

  constructor(private readonly kv: Keyv) {}

  async getThread(threadId: string): Promise<ThreadMeta | undefined> {
    return (await this.kv.get<ThreadMeta>(keys.thread(threadId))) ?? undefined;
  }

  async createThread(meta: Omit<ThreadMeta, 'turnCount' | 'epoch' | 'summary'>): Promise<ThreadMeta> {
    return this.writes.run(keys.thread(meta.threadId), async () => {
      const existing = await this.getThread(meta.threadId);
      if (existing) return existing;
      const created: ThreadMeta = { ...meta, turnCount: 0, epoch: 0 };
      await this.kv.set(keys.thread(meta.threadId), created);
      return created;
    });
  }

  async getTurns(meta: ThreadMeta, from: number, to: number): Promise<Turn[]> {
    const start = Math.max(0, from);
    const end = Math.min(meta.turnCount, to);
    const turns: Turn[] = [];
    for (let pageStart = start; pageStart < end; pageStart += TURN_PAGE) {
      const pageKeys: string[] = [];
      for (let i = pageStart; i < Math.min(end, pageStart + TURN_PAGE); i++) {
        pageKeys.push(keys.turn(meta.threadId, meta.epoch, i));
      }
      const page = await this.kv.getMany<Turn>(pageKeys);
      page.forEach((turn, offset) => {
        if (!turn) throw new StoreError(`turn ${pageStart + offset} of thread ${meta.threadId} is missing`);
        turns.push(upgradeTurn(turn));
      });
    }
    return turns;
  }

  async commitTurns(meta: ThreadMeta, turns: Turn[], summary?: ThreadSummary): Promise<ThreadMeta> {
    return this.writes.run(keys.thread(meta.threadId), async () => {
      const current = await this.getThread(meta.threadId);
      // A reset (or another writer) moved the thread on since this turn started: the turn belongs to a
      // history that no longer exists, so it is dropped rather than grafted onto the fresh one.
      if (!current || current.epoch !== meta.epoch || current.turnCount !== meta.turnCount) {
        throw new StoreError(`thread ${meta.threadId} changed while a turn was running`);
      }
      await this.kv.setMany(
        turns.map((turn, i) => ({ key: keys.turn(meta.threadId, meta.epoch, meta.turnCount + i), value: turn })),
      );
      // This single write is the commit point: until it lands the new turns are invisible.
      const next: ThreadMeta = { ...current, turnCount: current.turnCount + turns.length, summary: summary ?? current.summary };
      await this.kv.set(keys.thread(meta.threadId), next);
      return next;
    });
  }

  async resetThread(threadId: string): Promise<void> {
    const old = await this.writes.run(keys.thread(threadId), async () => {
      const current = await this.getThread(threadId);
      if (!current) return undefined;
      const { summary: _dropped, ...rest } = current;
      await this.kv.set(keys.thread(threadId), { ...rest, turnCount: 0, epoch: current.epoch + 1 });
      return current;
    });
    if (!old || old.turnCount === 0) return;
    // Forget the old text too, not just hide it.
    const stale: string[] = [];
    for (let i = 0; i < old.turnCount; i++) stale.push(keys.turn(threadId, old.epoch, i));
    for (let i = 0; i < stale.length; i += TURN_PAGE) await this.kv.deleteMany(stale.slice(i, i + TURN_PAGE));
  }

  async getGuildSettings(guildId: string): Promise<GuildSettings> {
    return (await this.kv.get<GuildSettings>(keys.guild(guildId))) ?? {};
  }

  async setGuildSettings(guildId: string, settings: GuildSettings): Promise<void> {
    await this.writes.run(keys.guild(guildId), () => this.kv.set(keys.guild(guildId), settings));
  }

  async recordUsage(entry: UsageEntry): Promise<void> {
    const day = utcDay(entry.at);
    await Promise.all([
      this.addUsage(keys.userUsage(entry.guildId, entry.userId, day), entry),
      this.addUsage(keys.guildUsage(entry.guildId, day), entry),
    ]);
  }

  async getUserUsage(userId: string, guildId: string | null, days: string[]): Promise<UsageTotals> {
    return this.sumUsage(days.map((day) => keys.userUsage(guildId, userId, day)));
  }

  async getGuildUsage(guildId: string | null, days: string[]): Promise<UsageTotals> {
    return this.sumUsage(days.map((day) => keys.guildUsage(guildId, day)));
  }

  async close(): Promise<void> {
    await this.writes.idle();
    await this.kv.disconnect();
  }

  async setThreadModel(threadId: string, model: string): Promise<boolean> {
    return this.writes.run(keys.thread(threadId), async () => {
      const current = await this.getThread(threadId);
      if (!current) return false;
      await this.kv.set(keys.thread(threadId), { ...current, model });
      return true;
    });
  }

  private addUsage(key: string, add: UsageTotals): Promise<void> {
    return this.writes.run(key, async () => {
      const current = (await this.kv.get<UsageTotals>(key)) ?? emptyUsage();
      await this.kv.set(key, {
        promptTokens: current.promptTokens + add.promptTokens,
        completionTokens: current.completionTokens + add.completionTokens,
        requests: current.requests + add.requests,
        costUsd: current.costUsd + add.costUsd,
        cachedTokens: (current.cachedTokens ?? 0) + (add.cachedTokens ?? 0),
        reasoningTokens: (current.reasoningTokens ?? 0) + (add.reasoningTokens ?? 0),
      });
    });
  }

  private async sumUsage(usageKeys: string[]): Promise<UsageTotals> {
    const total = emptyUsage();
    for (const u of await this.kv.getMany<UsageTotals>(usageKeys)) {
      if (!u) continue;
      total.promptTokens += u.promptTokens;
      total.completionTokens += u.completionTokens;
      total.requests += u.requests;
      total.costUsd += u.costUsd;
      total.cachedTokens = (total.cachedTokens ?? 0) + (u.cachedTokens ?? 0);
      total.reasoningTokens = (total.reasoningTokens ?? 0) + (u.reasoningTokens ?? 0);
    }
    return total;
  }
}

export interface OpenStoreOptions {
  onError?: (error: unknown) => void;
}

/** Open the store named by DATABASE_URL. SQLite is built in; other keyv adapters load only when used. */
export async function openStore(databaseUrl: string, options: OpenStoreOptions = {}): Promise<KeyvStore> {
  const scheme = databaseUrl.slice(0, databaseUrl.indexOf(':')).toLowerCase();
  const adapter = scheme === 'sqlite' ? await openSqlite(databaseUrl) : await openOtherAdapter(scheme, databaseUrl);
  const kv = new Keyv({ store: adapter, namespace: 'bot' });
  // An unhandled keyv 'error' event throws and would take the process down.
  kv.on('error', (error: unknown) => options.onError?.(error));
  return new KeyvStore(kv);
}

async function openSqlite(databaseUrl: string): Promise<KeyvStoreAdapter> {
  const { default: KeyvSqlite } = await import('@keyv/sqlite');
  const file = databaseUrl.replace(/^sqlite:\/\//i, '');
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const sqlite = new KeyvSqlite({ uri: `sqlite://${file}`, busyTimeout: 5_000 });
  // WAL keeps readers off the writer's lock; synchronous=NORMAL stays safe against process kills
  // (a committed transaction survives SIGKILL), trading only the last moments before a power cut.
  await sqlite.query('PRAGMA journal_mode=WAL');
  await sqlite.query('PRAGMA synchronous=NORMAL');
  return sqlite as unknown as KeyvStoreAdapter;
}

const OTHER_ADAPTERS: Record<string, string> = {
  redis: '@keyv/redis',
  rediss: '@keyv/redis',
  postgres: '@keyv/postgres',
  postgresql: '@keyv/postgres',
  mysql: '@keyv/mysql',
  mongodb: '@keyv/mongo',
};

async function openOtherAdapter(scheme: string, databaseUrl: string): Promise<KeyvStoreAdapter> {
  const pkg = OTHER_ADAPTERS[scheme];
  if (!pkg) throw new StoreError(`DATABASE_URL scheme "${scheme}" is not supported (use sqlite://, redis:// or postgres://)`);
  try {
    // Optional adapters are not dependencies; the variable keeps bundlers and tsc from resolving them.
    const mod = (await import(pkg)) as { default: new (uri: string) => KeyvStoreAdapter };
    return new mod.default(databaseUrl);
  } catch {
    throw new StoreError(`DATABASE_URL uses ${scheme}://, which needs the ${pkg} package: run npm install ${pkg}`);
  }
}
