import { ChannelType, type AnyThreadChannel, type DMChannel, type Message, type PartialDMChannel } from 'discord.js';
import type { ConversationService } from '../../conversation/conversationService.js';
import type { TurnRequest } from '../../conversation/turn.js';
import type { Logger } from '../../log.js';
import { dmStrings } from '../../strings.js';
import { attachmentRef } from '../attachments.js';
import type { DmNoticeLimit } from '../directMessages.js';
import { forumFirstTurn, forumPostStartedBy } from '../forumPosts.js';
import type { MessageGate } from '../memberGate.js';
import { openConversationThread } from '../openThread.js';
import { withoutBotMention } from '../threadName.js';
import { NO_MENTIONS, threadSink } from '../threadSink.js';

/** Where conversations start besides text channels: forums an admin enabled, and DMs (ALLOW_DMS). */
export interface Surfaces {
  /** `/settings forum`: whether every new post in this forum is a conversation. */
  forumEnabled(guildId: string, forumId: string): Promise<boolean>;
  allowDms: boolean;
  /** Who was told that DMs are off today. */
  dmNotices?: DmNoticeLimit;
}

type BaseRequest = Omit<TurnRequest, 'threadId'>;

/** Decides what one human message starts or continues (SPEC: triggers): a DM, a thread or forum post, a channel. */
export class MessageRouter {
  constructor(
    private readonly service: ConversationService,
    private readonly logger: Logger,
    private readonly gate: MessageGate | undefined,
    private readonly surfaces: Surfaces,
    private readonly dmNotices: DmNoticeLimit,
  ) {}

  async route(message: Message): Promise<void> {
    const botId = message.client.user.id;
    const mentioned = message.mentions.users.has(botId);
    const channel = message.channel;
    const content = mentioned ? withoutBotMention(message.content, botId) : message.content.trim();
    const request: BaseRequest = {
      guildId: message.guildId,
      channelId: channel.isThread() ? (channel.parentId ?? channel.id) : channel.id,
      userId: message.author.id,
      content,
      messageId: message.id,
      attachments: [...message.attachments.values()].map(attachmentRef),
      // Server nickname, else global name, else username.
      authorName: message.member?.displayName ?? message.author.displayName,
    };
    if (channel.type === ChannelType.DM) return this.inDm(message, channel, request);
    if (channel.isThread()) return this.inThread(message, channel, request, mentioned);
    if (mentioned) await this.inChannel(message, request);
  }

  private async inDm(message: Message, channel: DMChannel | PartialDMChannel, request: BaseRequest): Promise<void> {
    if (this.surfaces.allowDms) void this.service.answer({ ...request, threadId: channel.id }, threadSink(channel));
    else if (this.dmNotices.shouldTell(message.author.id)) {
      await channel.send({ content: dmStrings.off, allowedMentions: NO_MENTIONS });
    }
  }

  private async inThread(
    message: Message,
    channel: AnyThreadChannel,
    request: BaseRequest,
    mentioned: boolean,
  ): Promise<void> {
    const post = await forumPostStartedBy(message);
    if (post && (mentioned || (await this.forumAnswersEveryPost(message, request.channelId)))) {
      if (await this.refusedByGate(message)) return;
      const firstTurn = forumFirstTurn(post.name, request.content);
      await this.startInPost(message, post, { ...request, content: firstTurn, threadId: post.id });
      return;
    }
    if (!mentioned && !(await this.service.hasConversation(channel.id))) return;
    if (await this.refusedByGate(message)) return;
    // Not awaited: the intake queue orders admission; the turn queue orders the answers.
    void this.service.answer({ ...request, threadId: channel.id }, threadSink(channel));
  }

  /** A mention in a text or announcement channel opens a new conversation thread. */
  private async inChannel(message: Message, request: BaseRequest): Promise<void> {
    if (!message.inGuild()) return;
    const channel = message.channel;
    if (channel.type !== ChannelType.GuildText && channel.type !== ChannelType.GuildAnnouncement) return;
    if (await this.refusedByGate(message)) return;
    const refusal = this.service.admit(request);
    if (refusal) {
      await message.reply({ content: refusal.notice, allowedMentions: NO_MENTIONS });
      return;
    }
    // The turn is not awaited: it is queued at once, later messages in the new thread line up behind it.
    await openConversationThread(this.service, this.logger, { starter: message, request });
  }

  private forumAnswersEveryPost(message: Message, forumId: string): Promise<boolean> {
    return message.inGuild() ? this.surfaces.forumEnabled(message.guildId, forumId) : Promise.resolve(false);
  }

  /** A forum post is its own conversation: admitted, then queued at once so replies in the post wait behind it. */
  private async startInPost(message: Message, post: AnyThreadChannel, request: TurnRequest): Promise<void> {
    const refusal = this.service.admit(request);
    if (refusal) {
      await message.reply({ content: refusal.notice, allowedMentions: NO_MENTIONS });
      return;
    }
    void this.service.startConversation(request, threadSink(post));
  }

  /** The role gate (`/settings role`): a refused author gets a short reply, at most once an hour. */
  private async refusedByGate(message: Message): Promise<boolean> {
    const refusal = await this.gate?.check(message);
    if (!refusal) return false;
    if (refusal.notice) await message.reply({ content: refusal.notice, allowedMentions: NO_MENTIONS });
    return true;
  }
}
