import { ChannelType, type Message } from 'discord.js';
import type { ConversationService } from '../../conversation/conversationService.js';
import type { Logger } from '../../log.js';
import { KeyedQueue } from '../../util/keyedQueue.js';
import { attachmentRef } from '../attachments.js';
import type { MessageGate } from '../memberGate.js';
import { RecentIds } from '../../util/recentIds.js';
import { openConversationThread } from '../openThread.js';
import { withoutBotMention } from '../threadName.js';
import { NO_MENTIONS, threadSink } from '../threadSink.js';

/**
 * Routes gateway messages to conversations (SPEC: triggers). Deciding whether a message belongs to a conversation
 * needs a store read; a per-channel intake queue keeps messages of one thread in arrival order through that read.
 */
export interface MessageHandler {
  (message: Message): void;
  /**
   * Route messages the gateway did not deliver (catch-up after downtime) in the channel's intake order: messages
   * arriving live meanwhile wait behind them, and a message that arrives both ways is routed once. `load` gives
   * candidates oldest first; of the newest `keep`, those not already seen are routed. Resolves with how many were.
   */
  replay(channelId: string, load: () => Promise<Message[]>, keep: number): Promise<number>;
}

/** Message ids remembered for de-duplication (a gateway RESUME replay, or a catch-up fetch racing a live event). */
const SEEN_IDS = 5_000;

export function createMessageHandler(service: ConversationService, logger: Logger, gate?: MessageGate): MessageHandler {
  const intake = new KeyedQueue();
  const seen = new RecentIds(SEEN_IDS);
  const fromHuman = (message: Message) => !(message.author.bot || message.system || message.webhookId);

  const handle = (message: Message): void => {
    if (!fromHuman(message) || !seen.firstSight(message.id)) return;
    void intake
      .run(message.channelId, () => route(message))
      .catch((error: unknown) => logger.error({ err: error, channel: message.channelId }, 'message handling failed'));
  };
  const replay = (channelId: string, load: () => Promise<Message[]>, keep: number): Promise<number> =>
    intake.run(channelId, async () => {
      const human = (await load()).filter(fromHuman);
      let routed = 0;
      for (const message of human.slice(Math.max(0, human.length - keep))) {
        if (!seen.firstSight(message.id)) continue;
        await route(message);
        routed++;
      }
      return routed;
    });
  return Object.assign(handle, { replay });

  async function route(message: Message): Promise<void> {
    const botId = message.client.user.id;
    const mentioned = message.mentions.users.has(botId);
    const channel = message.channel;
    const content = mentioned ? withoutBotMention(message.content, botId) : message.content.trim();
    const request = {
      guildId: message.guildId,
      channelId: channel.isThread() ? (channel.parentId ?? channel.id) : channel.id,
      userId: message.author.id,
      content,
      messageId: message.id,
      attachments: [...message.attachments.values()].map(attachmentRef),
      // Server nickname, else global name, else username.
      authorName: message.member?.displayName ?? message.author.displayName,
    };

    if (channel.isThread()) {
      if (!mentioned && !(await service.hasConversation(channel.id))) return;
      if (await refusedByGate(message)) return;
      // Not awaited: the intake queue orders admission; the turn queue orders the answers.
      void service.answer({ ...request, threadId: channel.id }, threadSink(channel));
      return;
    }
    if (!mentioned || !message.inGuild()) return;
    if (channel.type !== ChannelType.GuildText && channel.type !== ChannelType.GuildAnnouncement) return;
    if (await refusedByGate(message)) return;
    const refusal = service.admit(request);
    if (refusal) {
      await message.reply({ content: refusal.notice, allowedMentions: NO_MENTIONS });
      return;
    }
    // The turn is not awaited: it is queued at once, later messages in the new thread line up behind it.
    await openConversationThread(service, logger, { starter: message, request });
  }

  /** The role gate (`/settings role`): a refused author gets a short reply, at most once an hour. */
  async function refusedByGate(message: Message): Promise<boolean> {
    const refusal = await gate?.check(message);
    if (!refusal) return false;
    if (refusal.notice) await message.reply({ content: refusal.notice, allowedMentions: NO_MENTIONS });
    return true;
  }
}
