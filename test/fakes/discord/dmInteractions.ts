/**
 * Slash commands run in the bot's DM: only global commands whose `contexts` include BOT_DM are offered there (guild
 * commands never show up in DMs). The payload carries `user` instead of `member`, no guild, context BOT_DM, and
 * "0" as the guild-install owner, as Discord documents for interactions in a DM with the bot.
 */
import type { Snowflake } from 'discord-api-types/globals';
import {
  ApplicationCommandType,
  ApplicationIntegrationType,
  InteractionContextType,
  InteractionType,
  Locale,
  PermissionFlagsBits,
  type APIApplicationCommandInteractionDataBasicOption,
  type APIChatInputApplicationCommandDMInteraction,
} from 'discord-api-types/v10';
import type { CommandRegistry } from './commands.js';
import { ATTACHMENT_SIZE_LIMIT, interactionIdentity } from './interactionEnvelope.js';
import type { RunSlashCommandInput } from './interactions.js';
import type { FakeChannel, FakeWorld } from './world.js';

/** What an app may do in a DM with its bot (no guild permissions apply). */
const DM_APP_PERMISSIONS =
  PermissionFlagsBits.ViewChannel |
  PermissionFlagsBits.SendMessages |
  PermissionFlagsBits.EmbedLinks |
  PermissionFlagsBits.AttachFiles |
  PermissionFlagsBits.ReadMessageHistory |
  PermissionFlagsBits.UseExternalEmojis;

export function dmCommandPayload(
  world: FakeWorld,
  commands: CommandRegistry,
  input: RunSlashCommandInput & { userId: Snowflake },
  channel: FakeChannel,
  now: number,
): { payload: APIChatInputApplicationCommandDMInteraction } {
  if (channel.recipientId !== input.userId) throw new Error('only the DM recipient can run commands in it');
  const registered = commands.findGlobal(input.name);
  if (!registered?.contexts?.includes(InteractionContextType.BotDM)) {
    throw new Error(`/${input.name} is not offered in DMs: it must be global with the BotDM context`);
  }
  if (input.options !== undefined && !Array.isArray(input.options) && Object.keys(input.options).length > 0) {
    throw new Error('the fake builds DM commands without options; pass raw options');
  }
  const options = Array.isArray(input.options)
    ? [...(input.options as APIApplicationCommandInteractionDataBasicOption[])]
    : [];
  const { id, token } = interactionIdentity(world, now);
  const payload: APIChatInputApplicationCommandDMInteraction = {
    id,
    application_id: world.applicationId,
    type: InteractionType.ApplicationCommand,
    data: {
      id: registered.id,
      name: input.name,
      type: ApplicationCommandType.ChatInput,
      ...(options.length > 0 ? { options } : {}),
    },
    channel: world.apiChannel(channel.id),
    channel_id: channel.id,
    user: world.apiUser(input.userId),
    token,
    version: 1,
    app_permissions: DM_APP_PERMISSIONS.toString(),
    locale: Locale.EnglishUS,
    entitlements: [],
    authorizing_integration_owners: { [ApplicationIntegrationType.GuildInstall]: '0' },
    context: InteractionContextType.BotDM,
    attachment_size_limit: ATTACHMENT_SIZE_LIMIT,
  };
  return { payload };
}
