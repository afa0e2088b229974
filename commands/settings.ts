import {
  ChannelType,
  InteractionContextType,
  MessageFlags,
  PermissionFlagsBits,
  SlashCommandBuilder,
  type AutocompleteInteraction,
  type ChatInputCommandInteraction,
} from 'discord.js';
import { allowedModels, type Config } from '../src/config/config.js';
import { amountProblem, effectiveGuildCap, effectiveMemberCap } from '../src/conversation/dailyCaps.js';
import { withForum, withSetting, type SettingsDefaults } from '../src/conversation/guildSettings.js';
import type { CommandContext } from '../src/discord/command.js';
import { respondWithModels } from '../src/discord/modelChoices.js';
import { canManageGuild } from '../src/discord/permissions.js';
import { capText, forumsText, roleText, settingsLines, toolsText } from '../src/discord/settingsView.js';
import { NO_MENTIONS } from '../src/discord/threadSink.js';
import type { GuildSettings } from '../src/store/types.js';
import { commandStrings, settingsStrings as s } from '../src/strings.js';

export const data = new SlashCommandBuilder()
  .setName('settings')
  .setDescription("This server's settings for the bot")
  .setDefaultMemberPermissions(PermissionFlagsBits.ManageGuild)
  .setContexts(InteractionContextType.Guild)
  .addSubcommand((sub) => sub.setName('show').setDescription('Every setting of this server and its default'))
  .addSubcommand((sub) =>
    sub
      .setName('model')
      .setDescription("The server's default model")
      .addStringOption((o) => o.setName('name').setDescription('Model').setRequired(true).setAutocomplete(true)),
  )
  .addSubcommand((sub) =>
    sub
      .setName('daily-tokens')
      .setDescription("The server's daily token cap (0 = none)")
      .addIntegerOption((o) => o.setName('amount').setDescription('Tokens per day').setRequired(true).setMinValue(0)),
  )
  .addSubcommand((sub) =>
    sub
      .setName('user-daily-tokens')
      .setDescription("Each member's daily token cap in this server (0 = none)")
      .addIntegerOption((o) => o.setName('amount').setDescription('Tokens per day').setRequired(true).setMinValue(0)),
  )
  .addSubcommand((sub) =>
    sub
      .setName('role')
      .setDescription('Only members with this role may use the bot (no role = everyone)')
      .addRoleOption((o) => o.setName('role').setDescription('The role members need')),
  )
  .addSubcommand((sub) =>
    sub
      .setName('forum')
      .setDescription('Answer every new post in a forum')
      .addChannelOption((o) =>
        o.setName('channel').setDescription('Forum').setRequired(true).addChannelTypes(ChannelType.GuildForum),
      )
      .addBooleanOption((o) => o.setName('enabled').setDescription('Answer new posts').setRequired(true)),
  )
  .addSubcommand((sub) =>
    sub
      .setName('tools')
      .setDescription('Allow MCP tools in this server')
      .addBooleanOption((o) => o.setName('enabled').setDescription('Allow tools').setRequired(true)),
  );

/** A validated change, or the plain-language reason there is none. */
type Plan =
  | { problem: string }
  | { setting: keyof GuildSettings; change: (current: GuildSettings) => GuildSettings; confirm: string };

const defaultsOf = (config: Config): SettingsDefaults => ({
  models: allowedModels(config.openai),
  defaultModel: config.openai.model,
  operatorDailyTokens: config.guildDailyTokens,
});

function amountPlan(
  interaction: ChatInputCommandInteraction,
  key: 'dailyTokens' | 'userDailyTokens',
  d: SettingsDefaults,
): Plan {
  const amount = interaction.options.getInteger('amount', true);
  const problem = amountProblem(amount, d.operatorDailyTokens);
  if (problem)
    return { problem: problem.kind === 'notWhole' ? s.amountNotWhole : s.amountAboveCeiling(problem.ceiling) };
  const ceiling = d.operatorDailyTokens;
  const inForce = key === 'dailyTokens' ? effectiveGuildCap(ceiling, amount) : effectiveMemberCap(ceiling, amount);
  const label = key === 'dailyTokens' ? s.label.dailyTokens : s.label.userDailyTokens;
  return {
    setting: key,
    change: (c) => withSetting(c, key, amount),
    confirm: s.changed(label, capText(inForce, ceiling)),
  };
}

function plan(interaction: ChatInputCommandInteraction, d: SettingsDefaults): Plan {
  const options = interaction.options;
  switch (options.getSubcommand(true)) {
    case 'model': {
      const name = options.getString('name', true).trim();
      if (!d.models.includes(name)) return { problem: s.modelUnknown(name, d.models) };
      const value = name === d.defaultModel ? undefined : name;
      return {
        setting: 'defaultModel',
        change: (c) => withSetting(c, 'defaultModel', value),
        confirm: s.changed(s.label.model, `\`${name}\``),
      };
    }
    case 'daily-tokens':
      return amountPlan(interaction, 'dailyTokens', d);
    case 'user-daily-tokens':
      return amountPlan(interaction, 'userDailyTokens', d);
    case 'role': {
      const role = options.getRole('role');
      // Picking @everyone (its id is the server's) means everyone, like picking none.
      const roleId = role && role.id !== interaction.guildId ? role.id : undefined;
      return {
        setting: 'roleId',
        change: (c) => withSetting(c, 'roleId', roleId),
        confirm: s.changed(s.label.role, roleText(roleId)),
      };
    }
    case 'forum': {
      const channel = options.getChannel('channel', true);
      // The option only offers forums, but a forged or stale interaction can carry any channel.
      if (channel.type !== ChannelType.GuildForum) return { problem: s.notAForum(channel.id) };
      const enabled = options.getBoolean('enabled', true);
      return {
        setting: 'forumChannelIds',
        change: (c) => withForum(c, channel.id, enabled),
        confirm: s.changed(s.label.forums, forumsText(withForum({}, channel.id, enabled).forumChannelIds)),
      };
    }
    case 'tools': {
      const enabled = options.getBoolean('enabled', true);
      // Stored only when off: allowed is the default.
      const value = enabled ? undefined : false;
      return {
        setting: 'toolsEnabled',
        change: (c) => withSetting(c, 'toolsEnabled', value),
        confirm: s.changed(s.label.tools, toolsText(enabled)),
      };
    }
    default:
      return { problem: commandStrings.unknownSubcommand };
  }
}

export async function execute(interaction: ChatInputCommandInteraction, { store, config, logger }: CommandContext) {
  // default_member_permissions can be overridden by a server and interactions forged: check again here.
  if (!canManageGuild(interaction) || !interaction.guildId) {
    await interaction.reply({ content: commandStrings.manageGuildRequired, flags: MessageFlags.Ephemeral });
    return;
  }
  const guildId = interaction.guildId;
  await interaction.deferReply({ flags: MessageFlags.Ephemeral });
  const defaults = defaultsOf(config);
  const reply = (content: string) => interaction.editReply({ content, allowedMentions: NO_MENTIONS });
  if (interaction.options.getSubcommand(true) === 'show') {
    await reply(settingsLines(await store.getGuildSettings(guildId), defaults).join('\n'));
    return;
  }
  const planned = plan(interaction, defaults);
  if ('problem' in planned) {
    await reply(planned.problem);
    return;
  }
  const { before, after } = await store.updateGuildSettings(guildId, planned.change);
  const key = planned.setting;
  logger.info(
    { guild: guildId, user: interaction.user.id, setting: key, from: before[key], to: after[key] },
    'guild setting changed',
  );
  await reply(planned.confirm);
}

export const autocomplete = (interaction: AutocompleteInteraction, { config }: CommandContext) =>
  respondWithModels(interaction, allowedModels(config.openai));
