import {
  InteractionContextType,
  MessageFlags,
  PermissionFlagsBits,
  SlashCommandBuilder,
  type ChatInputCommandInteraction,
} from 'discord.js';
import type { CommandContext } from '../src/discord/command.js';
import { canManageGuild } from '../src/discord/permissions.js';
import { commandStrings } from '../src/strings.js';

const PROMPT_MAX_LENGTH = 4000;
const SHOW_MAX = 1800;

export const data = new SlashCommandBuilder()
  .setName('system-prompt')
  .setDescription("Manage this server's system prompt")
  .setDefaultMemberPermissions(PermissionFlagsBits.ManageGuild)
  .setContexts(InteractionContextType.Guild)
  .addSubcommand((sub) =>
    sub
      .setName('set')
      .setDescription("Set the server's system prompt (applies from the next turn)")
      .addStringOption((option) =>
        option.setName('prompt').setDescription('The system prompt').setRequired(true).setMaxLength(PROMPT_MAX_LENGTH),
      ),
  )
  .addSubcommand((sub) => sub.setName('show').setDescription('Show the system prompt in force'))
  .addSubcommand((sub) => sub.setName('clear').setDescription('Go back to the default system prompt'));

export async function execute(
  interaction: ChatInputCommandInteraction,
  { store, config }: CommandContext,
): Promise<void> {
  if (!canManageGuild(interaction) || !interaction.guildId) {
    await interaction.reply({ content: commandStrings.manageGuildRequired, flags: MessageFlags.Ephemeral });
    return;
  }
  const guildId = interaction.guildId;
  await interaction.deferReply({ flags: MessageFlags.Ephemeral });
  const settings = await store.getGuildSettings(guildId);
  switch (interaction.options.getSubcommand(true)) {
    case 'set': {
      const prompt = interaction.options.getString('prompt', true).trim();
      if (prompt === '') {
        await interaction.editReply({ content: commandStrings.promptEmpty });
        return;
      }
      // Discord enforces the option's max length, but an interaction can be forged: the bot checks too.
      if (prompt.length > PROMPT_MAX_LENGTH) {
        await interaction.editReply({ content: commandStrings.promptTooLong(prompt.length, PROMPT_MAX_LENGTH) });
        return;
      }
      await store.setGuildSettings(guildId, { ...settings, systemPrompt: prompt });
      await interaction.editReply({ content: commandStrings.promptSet });
      return;
    }
    case 'show': {
      const own = settings.systemPrompt;
      const prompt = own ?? config.defaultSystemPrompt;
      const shown = prompt.length > SHOW_MAX ? `${prompt.slice(0, SHOW_MAX)}…` : prompt;
      await interaction.editReply({ content: commandStrings.promptShow(own !== undefined, shown) });
      return;
    }
    case 'clear': {
      const { systemPrompt: _removed, ...rest } = settings;
      await store.setGuildSettings(guildId, rest);
      await interaction.editReply({ content: commandStrings.promptCleared });
      return;
    }
    default:
      await interaction.editReply({ content: commandStrings.unknownSubcommand });
  }
}
