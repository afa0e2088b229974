import { ChannelType, type Message } from 'discord.js';
import type { ConversationService } from '../conversation/conversationService.js';
import type { Logger } from '../log.js';
import { KeyedQueue } from '../util/keyedQueue.js';
import { NO_MENTIONS, threadSink } from './threadSink.js';
import { threadNameFrom, withoutBotMention } from './threadName.js';

const THREAD_ARCHIVE_MINUTES = 1440;

/**
 * Routes gateway messages to conversations (SPEC: triggers). Deciding whether a message belongs to a conversation
 * needs a store read; a per-channel intake queue keeps messages of one thread in arrival order through that read.
 */
export function createMessageHandler(service: ConversationService, logger: Logger) {
  const intake = new KeyedQueue();

  return (message: Message): void => {
    if (message.author.bot || message.system || message.webhookId) return;
    void intake
      .run(message.channelId, () => route(message))
      .catch((error: unknown) => logger.error({ err: error, channel: message.channelId }, 'message handling failed'));
  };

  async function route(message: Message): Promise<void> {
    const botId = message.client.user.id;
    const mentioned = message.mentions.users.has(botId);
    const channel = message.channel;
    const content = mentioned ? withoutBotMention(message.content, botId) : message.content.trim();

    if (channel.isThread()) {
      if (!mentioned && !(await service.hasConversation(channel.id))) return;
      const request = {
        threadId: channel.id,
        guildId: message.guildId,
        channelId: channel.parentId ?? channel.id,
        userId: message.author.id,
        content,
        messageId: message.id,
      };
      // Not awaited: the intake queue orders admission; the turn queue orders the answers.
      void service.submit(request, threadSink(channel));
      return;
    }
    if (!mentioned || !message.inGuild()) return;
    if (channel.type !== ChannelType.GuildText && channel.type !== ChannelType.GuildAnnouncement) return;
    const refusal = service.admit({ userId: message.author.id, content });
    if (refusal) {
      await message.reply({ content: refusal.notice, allowedMentions: NO_MENTIONS });
      return;
    }
    const thread = await message.startThread({ name: threadNameFrom(content), autoArchiveDuration: THREAD_ARCHIVE_MINUTES });
    const request = { threadId: thread.id, guildId: message.guildId, channelId: channel.id, userId: message.author.id, content, messageId: message.id };
    // Not awaited: begin() queues the turn at once, so later messages in the new thread line up behind it.
    void service.begin(request, threadSink(thread));
  }
}
