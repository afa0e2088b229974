import {
  ChannelType,
  InteractionContextType,
  MessageFlags,
  SlashCommandBuilder,
  type ChatInputCommandInteraction,
} from 'discord.js';
import type { CommandContext } from '../src/discord/command.js';
import { attachmentRef } from '../src/discord/attachments.js';
import { commandGateNotice } from '../src/discord/memberGate.js';
import { openConversationThread } from '../src/discord/openThread.js';
import { NO_MENTIONS, threadSink } from '../src/discord/threadSink.js';
import { commandStrings } from '../src/strings.js';

/** Discord's cap on a string option. MAX_INPUT_CHARS decides what we accept. */
const OPTION_MAX_LENGTH = 6000;
const ECHO_MAX = 1900;

export const data = new SlashCommandBuilder()
  .setName('chat')
  .setDescription('Start a conversation with the model in a new thread')
  .addStringOption((option) =>
    option
      .setName('message')
      .setDescription('What do you want to ask?')
      .setRequired(true)
      .setMaxLength(OPTION_MAX_LENGTH),
  )
  .addAttachmentOption((option) =>
    option.setName('file').setDescription('An image or a text file for the model to read').setRequired(false),
  )
  .setContexts(InteractionContextType.Guild);

/** The visible opening of the thread: who asked what (quoted, shortened to fit one message). */
function echo(userName: string, content: string): string {
  return commandStrings.chatEcho(userName, content.length > ECHO_MAX ? `${content.slice(0, ECHO_MAX)}…` : content);
}

export async function execute(interaction: ChatInputCommandInteraction, { service, logger, store }: CommandContext) {
  const content = interaction.options.getString('message', true);
  const gated = await commandGateNotice(store, interaction);
  if (gated) {
    await interaction.reply({ content: gated, flags: MessageFlags.Ephemeral, allowedMentions: NO_MENTIONS });
    return;
  }
  const file = interaction.options.getAttachment('file');
  const attachments = file ? [attachmentRef(file)] : [];
  const refusal = service.admit({ userId: interaction.user.id, content, attachments });
  if (refusal) {
    await interaction.reply({ content: refusal.notice, flags: MessageFlags.Ephemeral, allowedMentions: NO_MENTIONS });
    return;
  }
  const channel = interaction.channel;
  const inThread = channel?.isThread() ?? false;
  const canOpenThread = channel?.type === ChannelType.GuildText || channel?.type === ChannelType.GuildAnnouncement;
  if (!channel || (!inThread && !canOpenThread)) {
    await interaction.reply({ content: commandStrings.chatOnlyInTextChannel, flags: MessageFlags.Ephemeral });
    return;
  }
  // The first response goes out at once (Discord allows 3 s); the thread and the answer follow.
  const response = await interaction.reply({
    content: echo(interaction.user.displayName, content),
    allowedMentions: NO_MENTIONS,
    withResponse: true,
  });
  const opening = response.resource?.message;
  const request = {
    guildId: interaction.guildId,
    channelId: channel.isThread() ? (channel.parentId ?? channel.id) : channel.id,
    userId: interaction.user.id,
    content,
    messageId: opening?.id,
    attachments,
    authorName:
      interaction.member && 'displayName' in interaction.member
        ? interaction.member.displayName
        : interaction.user.displayName,
  };
  if (channel.isThread() && channel.isSendable()) {
    await service.startConversation({ ...request, threadId: channel.id }, threadSink(channel));
    return;
  }
  const opened =
    opening && !inThread ? await openConversationThread(service, logger, { starter: opening, request }) : undefined;
  if (!opened) {
    await interaction.followUp({ content: commandStrings.cannotOpenThread, flags: MessageFlags.Ephemeral });
    return;
  }
  await opened.turn;
}
