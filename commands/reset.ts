import {
  ApplicationIntegrationType,
  InteractionContextType,
  MessageFlags,
  SlashCommandBuilder,
  type ChatInputCommandInteraction,
} from 'discord.js';
import type { CommandContext } from '../src/discord/command.js';
import { commandStrings, dmStrings } from '../src/strings.js';

// BotDM: a DM with the bot is one conversation (ALLOW_DMS); Discord offers it there only when registered globally.
export const data = new SlashCommandBuilder()
  .setName('reset')
  .setDescription("Forget this thread's conversation history (the thread stays)")
  .setContexts(InteractionContextType.Guild, InteractionContextType.BotDM)
  .setIntegrationTypes(ApplicationIntegrationType.GuildInstall);

export async function execute(interaction: ChatInputCommandInteraction, { service }: CommandContext): Promise<void> {
  const threadId = interaction.channelId;
  // Outside a server the channel is the bot's DM (the only place this command is offered besides servers).
  const conversationPlace = !interaction.inGuild() || interaction.channel?.isThread() === true;
  if (!conversationPlace || !(await service.hasConversation(threadId))) {
    await interaction.reply({ content: commandStrings.resetOnlyInThread, flags: MessageFlags.Ephemeral });
    return;
  }
  // The reset waits for any answer still streaming in this thread: defer so the 3 s window is never missed.
  await interaction.deferReply();
  await service.reset(threadId);
  await interaction.editReply({ content: interaction.inGuild() ? commandStrings.resetDone : dmStrings.resetDone });
}
