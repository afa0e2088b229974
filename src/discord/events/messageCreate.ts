import { ChannelType, type AnyThreadChannel, type Message } from 'discord.js';
import type { ConversationService } from '../../conversation/conversationService.js';
import type { TurnRequest } from '../../conversation/turn.js';
import type { Logger } from '../../log.js';
import { KeyedQueue } from '../../util/keyedQueue.js';
import { dmStrings } from '../../strings.js';
import { attachmentRef } from '../attachments.js';
import { DmNoticeLimit } from '../directMessages.js';
import { forumFirstTurn, forumPostStartedBy } from '../forumPosts.js';
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

/** Where conversations start besides text channels: forums an admin enabled, and DMs (ALLOW_DMS). */
export interface Surfaces {
  /** `/settings forum`: whether every new post in this forum is a conversation. */
  forumEnabled(guildId: string, forumId: string): Promise<boolean>;
  allowDms: boolean;
  /** Who was told that DMs are off today. */
  dmNotices?: DmNoticeLimit;
}

const NO_SURFACES: Surfaces = { forumEnabled: async () => false, allowDms: false };

export function createMessageHandler(
  service: ConversationService,
  logger: Logger,
  gate?: MessageGate,
  surfaces: Surfaces = NO_SURFACES,
): MessageHandler {
  const intake = new KeyedQueue();
  const dmNotices = surfaces.dmNotices ?? new DmNoticeLimit();
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

    if (channel.type === ChannelType.DM) {
      if (surfaces.allowDms) void service.answer({ ...request, threadId: channel.id }, threadSink(channel));
      else if (dmNotices.shouldTell(message.author.id)) {
        await channel.send({ content: dmStrings.off, allowedMentions: NO_MENTIONS });
      }
      return;
    }
    if (channel.isThread()) {
      const post = await forumPostStartedBy(message);
      if (post && (mentioned || (await forumAnswersEveryPost(message, request.channelId)))) {
        if (await refusedByGate(message)) return;
        const firstTurn = forumFirstTurn(post.name, content);
        await startInPost(message, post, { ...request, content: firstTurn, threadId: post.id });
        return;
      }
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

  function forumAnswersEveryPost(message: Message, forumId: string): Promise<boolean> {
    return message.inGuild() ? surfaces.forumEnabled(message.guildId, forumId) : Promise.resolve(false);
  }

  /** A forum post is its own conversation: admitted, then queued at once so replies in the post wait behind it. */
  async function startInPost(message: Message, post: AnyThreadChannel, request: TurnRequest): Promise<void> {
    const refusal = service.admit(request);
    if (refusal) {
      await message.reply({ content: refusal.notice, allowedMentions: NO_MENTIONS });
      return;
    }
    void service.startConversation(request, threadSink(post));
  }

  /** The role gate (`/settings role`): a refused author gets a short reply, at most once an hour. */
  async function refusedByGate(message: Message): Promise<boolean> {
    const refusal = await gate?.check(message);
    if (!refusal) return false;
    if (refusal.notice) await message.reply({ content: refusal.notice, allowedMentions: NO_MENTIONS });
    return true;
  }
}
