import { REST, Routes, type RESTGetCurrentApplicationResult } from 'discord.js';
import type { Config } from '../config/config.js';
import type { CommandList } from './command.js';

/**
 * Register every slash command: to one guild (instant) when a guild id is given, else globally (up to an hour).
 * Run from a deploy script, not on every start: Discord limits command creations per day.
 */
export async function registerCommands(
  discord: Config['discord'],
  commands: CommandList,
): Promise<{ count: number; scope: string }> {
  const rest = new REST({ api: discord.apiBase }).setToken(discord.token);
  const clientId =
    discord.clientId ?? ((await rest.get(Routes.currentApplication())) as RESTGetCurrentApplicationResult).id;
  const body = [...commands.values()].map((c) => c.data.toJSON());
  const route = discord.guildId
    ? Routes.applicationGuildCommands(clientId, discord.guildId)
    : Routes.applicationCommands(clientId);
  await rest.put(route, { body });
  return { count: body.length, scope: discord.guildId ? `guild ${discord.guildId}` : 'global' };
}
