/**
 * DISCORD_SHARDS=auto|N: discord.js's ShardingManager runs one bot process per shard (this same entry point, which
 * sees SHARDING_MANAGER in its environment and runs one shard) and respawns a shard that dies. On SIGTERM/SIGINT
 * the manager stops respawning, passes the signal to every shard, waits for their graceful drain and exits 0 if
 * every shard did.
 */
import { REST, Routes, ShardingManager, type RESTGetAPIGatewayBotResult, type Shard } from 'discord.js';
import type { Config } from './config/config.js';
import { EXIT_FATAL } from './exitCodes.js';
import type { Logger } from './log.js';

/** Shards get this long to drain after the signal (Docker sends SIGKILL ~10 s after SIGTERM). */
const SHARD_DRAIN_MS = 9_000;
/** Discord allows one IDENTIFY per 5 s (max_concurrency 1): discord.js's default spacing. */
const SPAWN_DELAY_MS = 5_500;
const SPAWN_TIMEOUT_MS = 60_000;

export interface ShardManagerOptions {
  /** The entry point each shard process runs. */
  script: string;
  spawnDelayMs?: number;
  /** A running shard exited EXIT_FATAL: respawning it would fail the same way; the deployment should stop. */
  onShardFatal?: (shard: number) => void;
}

/** A shard exited EXIT_FATAL while the shards started (its own log line says why). */
export class ShardFatalError extends Error {
  override name = 'ShardFatalError';
  constructor(readonly shard: number) {
    super(`shard ${shard} cannot run as configured (see its log line)`);
  }
}

/** GET /gateway/bot through DISCORD_API_BASE (discord.js's own helper always asks discord.com). */
async function recommendedShards(discord: Config['discord']): Promise<number> {
  const rest = new REST({ api: discord.apiBase }).setToken(discord.token);
  const gateway = (await rest.get(Routes.gatewayBot())) as RESTGetAPIGatewayBotResult;
  return Math.max(1, gateway.shards);
}

function exitOf(shard: Shard): Promise<number> {
  const child = shard.process;
  if (!child || child.exitCode !== null) return Promise.resolve(child?.exitCode ?? 0);
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0))));
}

/** Start the shards; resolves with a stop function once every shard is ready. */
export async function runShardManager(
  config: Config,
  logger: Logger,
  options: ShardManagerOptions,
): Promise<() => Promise<number>> {
  const totalShards = config.shards === 'auto' ? await recommendedShards(config.discord) : config.shards;
  if (totalShards > 1 && !config.redisUrl) {
    logger.info(
      {
        shards: totalShards,
        rpm: Math.floor(config.openai.rpm / totalShards),
        tpm: Math.floor(config.openai.tpm / totalShards),
      },
      'no REDIS_URL: each shard gets 1/N of RPM, TPM and the Discord write budget',
    );
  }
  let fatalShard: number | undefined;
  let running = false;
  const manager = new ShardingManager(options.script, {
    totalShards,
    // DISCORD_SHARD_IDS: this machine runs only these of the deployment's shards.
    shardList: config.shardIds ?? 'auto',
    mode: 'process',
    respawn: true,
    token: config.discord.token,
    // Children run the same way this process does (compiled, or through a TypeScript loader in development).
    execArgv: process.execArgv,
  });
  manager.on('shardCreate', (shard) => {
    // 'spawn' and 'ready' fire again on every respawn; the pid tells the operator which process is which shard.
    shard.on('spawn', (child) => {
      logger.info(
        { shard: shard.id, of: totalShards, pid: 'pid' in child ? child.pid : undefined },
        'shard process started',
      );
      // Ahead of discord.js's own exit listener, which decides on the respawn: a fatal exit must not be respawned.
      child.prependListener('exit', (code: number | null) => {
        if (code !== EXIT_FATAL) return;
        fatalShard ??= shard.id;
        manager.respawn = false;
      });
    });
    shard.on('ready', () => logger.info({ shard: shard.id }, 'shard ready'));
    shard.on('death', (child) => {
      const code = 'exitCode' in child ? child.exitCode : null;
      if (code === EXIT_FATAL) {
        logger.fatal({ shard: shard.id, code }, 'a shard cannot continue (see its line above): stopping every shard');
        // Once discord.js has let go of the dead process, so the stop that follows does not count it as unclean.
        if (running) setImmediate(() => options.onShardFatal?.(shard.id));
      } else if (manager.respawn) logger.warn({ shard: shard.id, code }, 'shard process exited; respawning');
    });
    // A respawned shard that dies before it is ready rejects inside discord.js, which re-emits it as 'error': unheard,
    // that would end the manager and every other shard with it. It is respawned again on its exit.
    shard.on('error', (error) =>
      logger.error({ shard: shard.id, err: { message: error.message } }, 'shard failed to start'),
    );
  });
  const stop = async () => {
    manager.respawn = false;
    const shards = [...manager.shards.values()];
    const exits = shards.map(exitOf);
    for (const shard of shards) shard.process?.kill('SIGTERM');
    const timer = setTimeout(() => {
      for (const shard of shards) shard.process?.kill('SIGKILL');
    }, SHARD_DRAIN_MS);
    const codes = await Promise.all(exits);
    clearTimeout(timer);
    const failed = codes.filter((code) => code !== 0).length;
    if (failed > 0) logger.error({ failed, of: shards.length }, 'some shards did not stop cleanly');
    return failed === 0 ? 0 : 1;
  };
  try {
    await manager.spawn({
      amount: totalShards,
      delay: options.spawnDelayMs ?? SPAWN_DELAY_MS,
      timeout: SPAWN_TIMEOUT_MS,
    });
  } catch (error) {
    if (fatalShard === undefined) throw error;
  }
  // A shard that was ready may have exited fatally while the next ones started.
  if (fatalShard !== undefined) {
    await stop();
    throw new ShardFatalError(fatalShard);
  }
  running = true;
  logger.info({ shards: totalShards, here: config.shardIds ?? 'all' }, 'all shards ready');
  return stop;
}
