import { existsSync } from 'node:fs';
import { startBot } from './app.js';
import { ConfigError, loadConfig } from './config/config.js';
import { createLogger } from './log.js';

/** Docker and process managers send SIGKILL about 10 s after SIGTERM. */
const SHUTDOWN_GRACE_MS = 8_000;

if (existsSync('.env')) process.loadEnvFile('.env');

let config;
try {
  config = loadConfig();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  for (const problem of error.problems) console.error(problem);
  process.exit(1);
}

const logger = createLogger(config.logLevel);
process.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled rejection'));

try {
  // A fatal condition (revoked token, lost lease) ends the process non-zero; a supervisor restarts it.
  const bot = await startBot(config, logger, { onFatal: () => process.exit(1) });
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
  logger.fatal({ err: error instanceof Error ? { name: error.name, message: error.message } : String(error) }, 'could not start the bot');
  process.exit(1);
}
