/** What every interaction the fake creates carries, whether a slash command, an autocomplete or a button press. */
import { randomBytes } from 'node:crypto';
import type { Snowflake } from 'discord-api-types/globals';
import { ApplicationIntegrationType, InteractionContextType, Locale } from 'discord-api-types/v10';
import type { FakeWorld } from './world.js';

/** Discord's upload limit for an app without boosts, as the payload reports it. */
export const ATTACHMENT_SIZE_LIMIT = 25 * 1024 * 1024;

/** A new interaction's id and token (like Discord's: base64 of `interaction:<id>:<secret>`). */
export function interactionIdentity(world: FakeWorld, now: number): { id: Snowflake; token: string } {
  const id = world.ids.next(now);
  const token = Buffer.from(`interaction:${id}:${randomBytes(48).toString('base64url')}`).toString('base64url');
  return { id, token };
}

/** The fields of an interaction in a guild channel, past its id, type and data. */
export function guildInteractionFields(
  world: FakeWorld,
  where: { guildId: Snowflake; channelId: Snowflake; userId: Snowflake; token: string },
) {
  const { guildId, channelId, userId, token } = where;
  return {
    guild_id: guildId,
    guild: { id: guildId, features: [], locale: Locale.EnglishUS },
    channel: world.apiChannel(channelId),
    channel_id: channelId,
    member: { ...world.apiMember(guildId, userId), permissions: world.permissions(guildId, userId).toString() },
    token,
    version: 1 as const,
    app_permissions: world.permissions(guildId, world.bot.id).toString(),
    locale: Locale.EnglishUS,
    guild_locale: Locale.EnglishUS,
    entitlements: [],
    authorizing_integration_owners: { [ApplicationIntegrationType.GuildInstall]: guildId },
    context: InteractionContextType.Guild as const,
    attachment_size_limit: ATTACHMENT_SIZE_LIMIT,
  };
}
