import { existsSync } from 'node:fs';
import { commands } from '../commands/index.js';
import { ConfigError, loadConfig } from './config/config.js';
import { registerCommands } from './discord/registerCommands.js';

if (existsSync('.env')) process.loadEnvFile('.env');

try {
  const { count, scope } = await registerCommands(loadConfig().discord, commands);
  console.log(
    `Registered ${count} commands (${scope}${scope === 'global' ? '; they may take up to an hour to appear' : ''}).`,
  );
} catch (error) {
  if (error instanceof ConfigError) for (const problem of error.problems) console.error(problem);
  else console.error(`Could not register commands: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
