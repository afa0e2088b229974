/**
 * Conversation surfaces beyond guild text channels: forum channels (type 15) whose posts are threads (type 11,
 * starter message id = thread id, name = post title, applied_tags), and DM channels (type 1) between the bot and one
 * user, whose messages arrive without guild_id and only with the Direct Messages intent.
 */
import type { Snowflake } from 'discord-api-types/globals';
import {
  ChannelType,
  ForumLayoutType,
  GatewayIntentBits,
  SortOrderType,
  ThreadAutoArchiveDuration,
  type APIDMChannel,
  type APIGuildForumChannel,
  type APIGuildForumTag,
  type ChannelFlags,
} from 'discord-api-types/v10';
import { discordErrors } from './errors.js';
import type { FakeChannel, FakeWorld, MessageRecord } from './world.js';

const NO_CHANNEL_FLAGS = 0 as ChannelFlags;

/** Discord: a thread name (and so a post title) is 1–100 characters. */
export const THREAD_NAME_MAX = 100;

/** The tags a fake forum offers (posts may carry some of their ids in applied_tags). */
export function forumTags(channel: Pick<FakeChannel, 'availableTags'>): APIGuildForumTag[] {
  return (channel.availableTags ?? []).map((tag) => ({ ...tag, moderated: false, emoji_id: null, emoji_name: null }));
}

export function apiForumChannel(channel: FakeChannel, guildId: Snowflake): APIGuildForumChannel {
  return {
    id: channel.id,
    type: ChannelType.GuildForum,
    guild_id: guildId,
    name: channel.name,
    position: channel.position,
    parent_id: channel.parentId,
    permission_overwrites: [],
    nsfw: false,
    topic: channel.topic,
    last_message_id: channel.lastMessageId,
    rate_limit_per_user: channel.rateLimitPerUser,
    default_auto_archive_duration: ThreadAutoArchiveDuration.OneDay,
    available_tags: forumTags(channel),
    default_reaction_emoji: null,
    default_sort_order: SortOrderType.LatestActivity,
    default_forum_layout: ForumLayoutType.ListView,
    flags: NO_CHANNEL_FLAGS,
  };
}

export function apiDmChannel(world: FakeWorld, channel: FakeChannel): APIDMChannel {
  return {
    id: channel.id,
    type: ChannelType.DM,
    name: null,
    last_message_id: channel.lastMessageId,
    recipients: channel.recipientId ? [world.apiUser(channel.recipientId)] : [],
    flags: NO_CHANNEL_FLAGS,
  };
}

/** In a DM only its recipient (and the bot) can write. */
export function assertDmParticipant(channel: FakeChannel, authorId: Snowflake): void {
  if (channel.recipientId !== authorId) throw discordErrors.missingAccess();
}

/** The intent a session needs to receive events about this message. */
export const messageIntent = (record: Pick<MessageRecord, 'guildId'>): number =>
  record.guildId === null ? GatewayIntentBits.DirectMessages : GatewayIntentBits.GuildMessages;

/** Discord's check of a thread name (create or rename): 1–100 characters after trimming. */
export function checkThreadName(name: string): string {
  const trimmed = name.trim();
  if (trimmed.length < 1 || trimmed.length > THREAD_NAME_MAX) throw discordErrors.invalidThreadName(THREAD_NAME_MAX);
  return trimmed;
}
