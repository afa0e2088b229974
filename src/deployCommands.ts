import { existsSync } from 'node:fs';
import { REST, Routes, type RESTGetCurrentApplicationResult } from 'discord.js';
import { commands } from '../commands/index.js';
import { ConfigError, loadConfig } from './config/config.js';

/** Register the slash commands: to one guild (instant) when DISCORD_GUILD_ID is set, else globally (up to an hour). */
if (existsSync('.env')) process.loadEnvFile('.env');

try {
  const { discord } = loadConfig();
  const rest = new REST({ api: discord.apiBase }).setToken(discord.token);
  const clientId = discord.clientId ?? ((await rest.get(Routes.currentApplication())) as RESTGetCurrentApplicationResult).id;
  const body = [...commands.values()].map((c) => c.data.toJSON());
  const route = discord.guildId ? Routes.applicationGuildCommands(clientId, discord.guildId) : Routes.applicationCommands(clientId);
  await rest.put(route, { body });
  console.log(`Registered ${body.length} commands ${discord.guildId ? `in guild ${discord.guildId}` : 'globally (may take up to an hour to appear)'}.`);
} catch (error) {
  if (error instanceof ConfigError) for (const problem of error.problems) console.error(problem);
  else console.error(`Could not register commands: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
