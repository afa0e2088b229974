/** Reading a server's settings: what is in force for each one, with the operator's defaults filled in. */
import type { GuildSettings } from '../store/types.js';

/** What a server's settings fall back to, and bound by: the operator's configuration. */
export interface SettingsDefaults {
  /** OPENAI_MODELS. */
  models: readonly string[];
  /** OPENAI_MODEL. */
  defaultModel: string;
  /** GUILD_DAILY_TOKENS (0 = none). */
  operatorDailyTokens: number;
}

/** Whether every new post in this forum is a conversation (`/settings forum`). */
export const isForumEnabled = (settings: GuildSettings, channelId: string): boolean =>
  settings.forumChannelIds?.includes(channelId) ?? false;

/** Whether MCP tools may be offered to the model in this server (`/settings tools`; allowed unless turned off). */
export const toolsAllowed = (settings: GuildSettings): boolean => settings.toolsEnabled !== false;

/** The server's default model while the operator still allows it, else the operator's default. */
export function defaultModelFor(settings: GuildSettings, defaults: Pick<SettingsDefaults, 'models' | 'defaultModel'>) {
  const own = settings.defaultModel;
  return own !== undefined && defaults.models.includes(own) ? own : defaults.defaultModel;
}

/** The settings with the forum added to or removed from the answered forums. */
export function withForum(settings: GuildSettings, channelId: string, enabled: boolean): GuildSettings {
  const others = (settings.forumChannelIds ?? []).filter((id) => id !== channelId);
  const forumChannelIds = enabled ? [...others, channelId] : others;
  const { forumChannelIds: _old, ...rest } = settings;
  return forumChannelIds.length > 0 ? { ...rest, forumChannelIds } : rest;
}

/** The settings with one field set, or removed when `value` is undefined (back to the default). */
export function withSetting<K extends keyof GuildSettings>(
  settings: GuildSettings,
  key: K,
  value: GuildSettings[K] | undefined,
): GuildSettings {
  const { [key]: _old, ...rest } = settings;
  return value === undefined ? rest : { ...rest, [key]: value };
}
