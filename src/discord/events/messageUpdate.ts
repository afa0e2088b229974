/**
 * MESSAGE_UPDATE: a member edited a message in a conversation thread (SPEC: controls on an answer). Discord also
 * sends updates when embeds resolve or a message is pinned; only a changed text reaches the conversation, which
 * compares it with the stored turn (the cache may not hold the old version).
 */
import type { Message, PartialMessage } from 'discord.js';
import type { ConversationService } from '../../conversation/conversationService.js';
import type { Logger } from '../../log.js';
import { attachmentRef } from '../attachments.js';
import { withoutBotMention } from '../threadName.js';
import { threadSink } from '../threadSink.js';

export function createMessageUpdateHandler(service: ConversationService, logger: Logger) {
  return (before: Message | PartialMessage, after: Message | PartialMessage): void => {
    void handle(before, after).catch((error: unknown) =>
      logger.error({ err: error, channel: after.channelId }, 'message edit handling failed'),
    );
  };

  async function handle(before: Message | PartialMessage, after: Message | PartialMessage): Promise<void> {
    if (!before.partial && before.content === after.content) return;
    // A thread opened from a message has that message's id; the message itself stays in the channel.
    if (!after.channel.isThread() && !after.hasThread) return;
    const message = after.partial ? await after.fetch() : after;
    if (message.author.bot || message.system || message.webhookId) return;
    const channel = message.channel.isThread() ? message.channel : message.thread;
    if (!channel) return;
    const botId = message.client.user.id;
    const mentioned = message.mentions.users.has(botId);
    const content = mentioned ? withoutBotMention(message.content, botId) : message.content.trim();
    await service.messageEdited(
      {
        threadId: channel.id,
        guildId: message.guildId,
        channelId: channel.parentId ?? message.channelId,
        userId: message.author.id,
        content,
        messageId: message.id,
        attachments: [...message.attachments.values()].map(attachmentRef),
        authorName: message.member?.displayName ?? message.author.displayName,
      },
      threadSink(channel),
    );
  }
}
