import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startBot } from './app.js';
import { ConfigError, loadConfig, type Config } from './config/config.js';
import { configForProcess, shardPlace } from './coordination/processShare.js';
import { EXIT_FAILED, EXIT_FATAL, startFailureExit } from './exitCodes.js';
import { createLogger } from './log.js';
import { runShardManager, ShardFatalError } from './shardManager.js';

/** Docker and process managers send SIGKILL about 10 s after SIGTERM. */
const SHUTDOWN_GRACE_MS = 8_000;

if (existsSync('.env')) process.loadEnvFile('.env');

let config: Config;
try {
  config = loadConfig();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  for (const problem of error.problems) console.error(problem);
  process.exit(1);
}

const logger = createLogger(config.logLevel);
process.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled rejection'));
const describe = (error: unknown) =>
  error instanceof Error ? { name: error.name, message: error.message } : String(error);

// DISCORD_SHARDS other than 1, and not a shard itself (a shard sees SHARDING_MANAGER): this process is the manager.
const place = shardPlace();
if (config.shards !== 1 && !place) await manage(config);
else await serve(config);

async function manage(settings: Config): Promise<void> {
  try {
    let stopping: Promise<number> | undefined;
    const stopWith = (code?: number) => {
      stopping ??= stop().then((drained) => code ?? drained);
      void stopping.then((exit) => process.exit(exit));
    };
    // A shard that cannot continue (rejected token, lease held elsewhere) would fail the same way respawned.
    const stop = await runShardManager(settings, logger, {
      script: fileURLToPath(import.meta.url),
      onShardFatal: () => stopWith(EXIT_FATAL),
    });
    const shutdown = (signal: string) => {
      logger.info({ signal }, 'stopping every shard');
      stopWith();
    };
    process.once('SIGTERM', () => shutdown('SIGTERM'));
    process.once('SIGINT', () => shutdown('SIGINT'));
  } catch (error) {
    // A fatal shard has said why, and the manager that it stopped: no third line.
    if (error instanceof ShardFatalError) process.exit(EXIT_FATAL);
    logger.fatal({ err: describe(error) }, 'could not start the shards');
    process.exit(1);
  }
}

async function serve(settings: Config): Promise<void> {
  // A shard tells its manager not to respawn it (EXIT_FATAL); a single process keeps exit 1 for every failure.
  const fatalExit = place ? EXIT_FATAL : EXIT_FAILED;
  const mine = configForProcess(settings, place);
  if (mine.split) {
    const { rpm, tpm } = mine.config.openai;
    logger.info(
      { shards: place?.ids, rpm, tpm, share: mine.share },
      'no REDIS_URL: this shard runs on its share of the budgets',
    );
  }
  try {
    // A fatal condition (revoked token, lost lease) ends the process non-zero; a supervisor restarts it.
    const leaseName = place ? `shard:${place.ids.join(',')}` : 'bot';
    const onFatal = (_reason: string, retryable: boolean) => process.exit(retryable ? EXIT_FAILED : fatalExit);
    const bot = await startBot(mine.config, logger, { onFatal, leaseName });
    const shutdown = (signal: string) => {
      logger.info({ signal }, 'shutting down');
      bot.stop(SHUTDOWN_GRACE_MS).then(
        () => process.exit(0),
        (error: unknown) => {
          logger.error({ err: error }, 'shutdown failed');
          process.exit(1);
        },
      );
    };
    process.once('SIGTERM', () => shutdown('SIGTERM'));
    process.once('SIGINT', () => shutdown('SIGINT'));
  } catch (error) {
    // A bad token or an unreachable Discord: one clear line, no stack trace, no secret.
    logger.fatal({ err: describe(error) }, 'could not start the bot');
    process.exit(place ? startFailureExit(error) : EXIT_FAILED);
  }
}
