import {
  ChannelType,
  InteractionContextType,
  MessageFlags,
  SlashCommandBuilder,
  type ChatInputCommandInteraction,
} from 'discord.js';
import type { CommandContext } from '../src/discord/command.js';
import { NO_MENTIONS, threadSink } from '../src/discord/threadSink.js';
import { threadNameFrom } from '../src/discord/threadName.js';

/** Discord's cap on a string option. MAX_INPUT_CHARS decides what we accept. */
const OPTION_MAX_LENGTH = 6000;
const ECHO_MAX = 1900;
const THREAD_ARCHIVE_MINUTES = 1440;

export const data = new SlashCommandBuilder()
  .setName('chat')
  .setDescription('Start a conversation with the model in a new thread')
  .addStringOption((option) =>
    option.setName('message').setDescription('What do you want to ask?').setRequired(true).setMaxLength(OPTION_MAX_LENGTH),
  )
  .setContexts(InteractionContextType.Guild);

/** The visible opening of the thread: who asked what (quoted, shortened to fit one message). */
function echo(userName: string, content: string): string {
  const quoted = content.length > ECHO_MAX ? `${content.slice(0, ECHO_MAX)}…` : content;
  return `**${userName}** asked:\n>>> ${quoted}`;
}

export async function execute(interaction: ChatInputCommandInteraction, { service, logger }: CommandContext): Promise<void> {
  const content = interaction.options.getString('message', true);
  const refusal = service.admit({ userId: interaction.user.id, content });
  if (refusal) {
    await interaction.reply({ content: refusal.notice, flags: MessageFlags.Ephemeral, allowedMentions: NO_MENTIONS });
    return;
  }
  const channel = interaction.channel;
  const inThread = channel?.isThread() ?? false;
  const canOpenThread = channel?.type === ChannelType.GuildText || channel?.type === ChannelType.GuildAnnouncement;
  if (!channel || (!inThread && !canOpenThread)) {
    await interaction.reply({ content: 'Use `/chat` in a server text channel.', flags: MessageFlags.Ephemeral });
    return;
  }
  // The first response goes out at once (Discord allows 3 s); the thread and the answer follow.
  const response = await interaction.reply({ content: echo(interaction.user.displayName, content), allowedMentions: NO_MENTIONS, withResponse: true });
  const opening = response.resource?.message;
  let thread = inThread ? channel : undefined;
  if (!thread && opening) {
    try {
      thread = await opening.startThread({ name: threadNameFrom(content), autoArchiveDuration: THREAD_ARCHIVE_MINUTES });
    } catch (error) {
      logger.warn({ err: error, channel: channel.id }, 'could not create a thread for /chat');
    }
  }
  if (!thread?.isThread() || !thread.isSendable()) {
    await interaction.followUp({
      content: 'I could not open a thread here. I need the **Create Public Threads** and **Send Messages in Threads** permissions.',
      flags: MessageFlags.Ephemeral,
    });
    return;
  }
  const request = { threadId: thread.id, guildId: interaction.guildId, channelId: thread.parentId ?? channel.id, userId: interaction.user.id, content, messageId: opening?.id };
  await service.begin(request, threadSink(thread));
}
