/**
 * What every shard e2e file sets up: the fake Discord with two guilds on two shards, the fake OpenAI, optionally a
 * private redis-server, a temp dir, and the manager processes (src/main.ts) started in it, all stopped after each
 * test. `postgresPerFile` gives a file a PostgreSQL database of its own: its shard leases must not meet another's.
 */
import { afterEach, beforeAll } from 'vitest';
import { type FakeDiscord, type FakeDiscordOptions, startFakeDiscord } from '../../fakes/discord/index.js';
import { type FakeOpenAI, type FakeOpenAIOptions, startFakeOpenAI } from '../../fakes/openai/index.js';
import { freshPostgresDatabase } from '../../helpers/freshPostgres.js';
import { type PrivateRedis, startPrivateRedis } from '../../helpers/redisServer.js';
import { makeTempDir, sqliteUrl } from '../../helpers/tempDir.js';
import { ensureTestServices } from '../../helpers/testServices.js';
import { botEnv } from './spawnBot.js';
import { type LogLine, type ManagerProcess, spawnManager } from './spawnManager.js';

/** Two shards started one IDENTIFY spacing apart, on a loaded machine. */
export const SHARDS_READY_MS = 25_000;
export const allShardsReady = (line: LogLine): boolean => line.msg === 'all shards ready';

export interface ShardDeployment {
  discord: FakeDiscord;
  openai: FakeOpenAI;
  redis: PrivateRedis | undefined;
  /** The environment every manager gets: the fakes, DISCORD_SHARDS=2, info logs, REDIS_URL when asked for. */
  env: Record<string, string>;
  /** Start a manager with `env` and these settings on top. */
  manager(extra?: Record<string, string>): ManagerProcess;
}

export interface ShardDeploymentOptions {
  discord?: FakeDiscordOptions;
  openai?: FakeOpenAIOptions;
  /** Start a private redis-server and set REDIS_URL. */
  redis?: boolean;
  /** DATABASE_URL; a SQLite file in the temp dir by default. */
  databaseUrl?: string;
  env?: Record<string, string>;
}

/** A starter for one deployment per test; everything it started is stopped after each test. */
export function shardDeploymentPerTest(): (options?: ShardDeploymentOptions) => Promise<ShardDeployment> {
  const managers: ManagerProcess[] = [];
  let stopFakes: (() => Promise<void>) | undefined;
  afterEach(async () => {
    for (const running of managers.splice(0)) await running.kill();
    await stopFakes?.();
    stopFakes = undefined;
  });
  return async (options = {}) => {
    const temp = makeTempDir('bot-shards-');
    const discord = await startFakeDiscord({ guildCount: 2, recommendedShards: 2, ...options.discord });
    const openai = await startFakeOpenAI({ timeToFirstTokenMs: 5, ...options.openai });
    const redis = options.redis ? await startPrivateRedis() : undefined;
    stopFakes = async () => {
      await discord.close();
      await openai.close();
      await redis?.stop();
      temp.remove();
    };
    // Every guild of the fake, not the one DISCORD_GUILD_ID would scope the commands to.
    const { DISCORD_GUILD_ID: _oneGuild, ...base } = botEnv(
      discord,
      openai,
      options.databaseUrl ?? sqliteUrl(temp.dir),
    );
    const env = {
      ...base,
      DISCORD_SHARDS: '2',
      LOG_LEVEL: 'info',
      ...(redis ? { REDIS_URL: redis.url } : {}),
      ...options.env,
    };
    const manager = (extra: Record<string, string> = {}) => {
      const running = spawnManager({ ...env, ...extra }, temp.dir);
      managers.push(running);
      return running;
    };
    return { discord, openai, redis, env, manager };
  };
}

/** A PostgreSQL database for this file alone, dropped after it; read its URL inside the tests. */
export function postgresPerFile(): () => string {
  let url: string | undefined;
  beforeAll(async () => {
    const database = await freshPostgresDatabase((await ensureTestServices()).postgresUrl);
    url = database.url;
    return () => database.drop();
  }, 240_000);
  return () => {
    if (!url) throw new Error('the PostgreSQL database is not ready yet');
    return url;
  };
}
