import { InteractionContextType, MessageFlags, SlashCommandBuilder, type ChatInputCommandInteraction } from 'discord.js';
import type { CommandContext } from '../src/discord/command.js';
import { commandStrings } from '../src/strings.js';

export const data = new SlashCommandBuilder()
  .setName('reset')
  .setDescription("Forget this thread's conversation history (the thread stays)")
  .setContexts(InteractionContextType.Guild);

export async function execute(interaction: ChatInputCommandInteraction, { service }: CommandContext): Promise<void> {
  const threadId = interaction.channelId;
  if (!interaction.channel?.isThread() || !(await service.hasConversation(threadId))) {
    await interaction.reply({ content: commandStrings.resetOnlyInThread, flags: MessageFlags.Ephemeral });
    return;
  }
  // The reset waits for any answer still streaming in this thread: defer so the 3 s window is never missed.
  await interaction.deferReply();
  await service.reset(threadId);
  await interaction.editReply({ content: commandStrings.resetDone });
}
