/** Guild fixtures the settings tests need beyond the fake's default world: extra roles and a forum channel. */
import { ChannelType, GatewayDispatchEvents, GatewayIntentBits, GatewayOpcodes } from 'discord-api-types/v10';
import type { FakeDiscord } from '../fakes/discord/index.js';
import type { Harness } from './harness.js';

/** A role created in the first guild (GUILD_ROLE_CREATE, as when an admin adds one), known to the bot on return. */
export async function addRole(h: Harness, name: string): Promise<string> {
  const { world } = h.discord;
  const guildId = h.discord.ids.guildId;
  const id = world.ids.next();
  world.roles.set(id, { id, guildId, name, permissions: 0n, position: 1, managed: false });
  h.discord.gateway.dispatch(
    {
      op: GatewayOpcodes.Dispatch,
      t: GatewayDispatchEvents.GuildRoleCreate,
      d: { guild_id: guildId, role: world.apiRole(world.roles.get(id)!) },
    },
    { intent: GatewayIntentBits.Guilds },
  );
  await h.discord.waitFor(() => h.bot.client.guilds.cache.get(guildId)?.roles.cache.has(id), 5_000);
  return id;
}

/** Give a member a role; their next message or interaction carries it. */
export function giveRole(discord: FakeDiscord, userId: string, roleId: string): void {
  discord.world.member(discord.ids.guildId, userId).roleIds.push(roleId);
}

/** A forum channel in the first guild (only ever resolved as a slash-command option here). */
export function addForum(discord: FakeDiscord, name: string): string {
  const id = discord.world.ids.next();
  discord.world.channels.set(id, {
    id,
    guildId: discord.ids.guildId,
    type: ChannelType.GuildForum,
    name,
    parentId: discord.ids.categoryId,
    position: 5,
    topic: null,
    lastMessageId: null,
    rateLimitPerUser: 0,
  });
  return id;
}
