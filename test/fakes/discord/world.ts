/**
 * The state of the fake Discord: users, one or more guilds (roles, members, channels, threads) and every message with
 * all its versions. Mutations go through the methods here, which validate like Discord, keep the history, and
 * dispatch the gateway events Discord would send. Everything that leaves the fake is built here with
 * discord-api-types types, so the compiler checks payload completeness.
 */
import type { Snowflake } from 'discord-api-types/globals';
import {
  ChannelType,
  GatewayDispatchEvents,
  GatewayIntentBits,
  GatewayOpcodes,
  GuildDefaultMessageNotifications,
  GuildExplicitContentFilter,
  GuildMFALevel,
  GuildNSFWLevel,
  GuildPremiumTier,
  GuildSystemChannelFlags,
  GuildVerificationLevel,
  InteractionType,
  Locale,
  MessageFlags,
  MessageType,
  PermissionFlagsBits,
  ThreadAutoArchiveDuration,
  ApplicationIntegrationType,
  ApplicationFlags,
} from 'discord-api-types/v10';
import type { ChannelFlags, GuildMemberFlags, RoleFlags, UserFlags } from 'discord-api-types/v10';
import type {
  APIApplication,
  APIAttachment,
  APIChannel,
  APIEmbed,
  APIGuild,
  APIGuildCategoryChannel,
  APIGuildMember,
  APIGuildMemberNoUser,
  APIMessage,
  APIMessageReference,
  APIRole,
  APIMessageTopLevelComponent,
  APITextChannel,
  APIThreadChannel,
  APIUser,
  APIUserWithMember,
  GatewayChannelCreateDispatch,
  GatewayGuildCreateDispatchData,
  GatewayMessageCreateDispatch,
  GatewayMessageCreateDispatchData,
  GatewayMessageDeleteDispatch,
  GatewayMessageUpdateDispatch,
  GatewayThreadCreateDispatch,
  GatewayThreadUpdateDispatch,
  APIAllowedMentions,
  TextChannelType,
  ThreadChannelType,
  APIApplicationCommandInteractionMetadata,
  APIMessageInteraction,
} from 'discord-api-types/v10';
import { checkComponents, withComponentIds } from './components.js';
import { DiscordApiError, discordErrors } from './errors.js';
import type { Dispatcher } from './gatewayTypes.js';
import { DISCORD_EPOCH_MS, SnowflakeGenerator } from './snowflake.js';
import { apiDmChannel, apiForumChannel, assertDmParticipant, checkThreadName, messageIntent } from './surfaces.js';

export const MESSAGE_CONTENT_MAX = 2000;
export const EMBEDS_TOTAL_MAX = 6000;
const FIXTURE_EPOCH_MS = Date.UTC(2021, 4, 1);
const TEXT_CHANNEL_TYPES: readonly ChannelType[] = [
  ChannelType.GuildText,
  ChannelType.GuildAnnouncement,
  ChannelType.PublicThread,
  ChannelType.PrivateThread,
  ChannelType.AnnouncementThread,
  ChannelType.DM,
];

const iso = (ms: number): string => new Date(ms).toISOString();

// "No flags" for the flag enums of discord-api-types (0 is not one of their members).
const NO_USER_FLAGS = 0 as UserFlags;
const NO_MEMBER_FLAGS = 0 as GuildMemberFlags;
const NO_ROLE_FLAGS = 0 as RoleFlags;
const NO_CHANNEL_FLAGS = 0 as ChannelFlags;

// ---------------------------------------------------------------------------------------------------------------
// Public record types (what tests read)

export interface FakeUser {
  readonly id: Snowflake;
  readonly username: string;
  readonly globalName: string | null;
  readonly bot: boolean;
}

export interface FakeRole {
  readonly id: Snowflake;
  readonly guildId: Snowflake;
  name: string;
  permissions: bigint;
  readonly position: number;
  readonly managed: boolean;
  readonly botId?: Snowflake;
}

export interface FakeMember {
  readonly guildId: Snowflake;
  readonly userId: Snowflake;
  roleIds: Snowflake[];
  readonly joinedAt: number;
  nick: string | null;
}

export interface ThreadState {
  ownerId: Snowflake;
  archived: boolean;
  locked: boolean;
  autoArchiveDuration: ThreadAutoArchiveDuration;
  archiveTimestamp: number;
  readonly createdAt: number;
  messageCount: number;
  totalMessageSent: number;
  invitable: boolean;
  /** Id of the message the thread was started from (thread id = that message id), or null. */
  readonly starterMessageId: Snowflake | null;
  /** Forum posts: ids of the forum's tags the author picked. */
  readonly appliedTags?: readonly Snowflake[];
}

export interface FakeChannel {
  readonly id: Snowflake;
  /** Null for a DM channel. */
  readonly guildId: Snowflake | null;
  readonly type: ChannelType;
  name: string;
  readonly parentId: Snowflake | null;
  readonly position: number;
  topic: string | null;
  lastMessageId: Snowflake | null;
  rateLimitPerUser: number;
  readonly thread?: ThreadState;
  /** DM channels: the user the bot talks with. */
  readonly recipientId?: Snowflake;
  /** Forum channels: the tags posts may carry. */
  readonly availableTags?: readonly { readonly id: Snowflake; readonly name: string }[];
}

export interface FakeGuild {
  readonly id: Snowflake;
  readonly name: string;
  readonly ownerId: Snowflake;
  readonly everyoneRoleId: Snowflake;
  readonly adminRoleId: Snowflake;
  readonly botRoleId: Snowflake;
  readonly categoryId: Snowflake;
  /** The main text channel (`#general`). */
  readonly textChannelId: Snowflake;
  /** A second text channel (`#random`). */
  readonly otherTextChannelId: Snowflake;
  readonly joinedAt: number;
}

/** One state of a message: its content and the moment it was created or edited to this. */
export interface MessageVersion {
  readonly content: string;
  readonly embeds: readonly APIEmbed[];
  /** Buttons (action rows) the message showed in this state. */
  readonly components: readonly APIMessageTopLevelComponent[];
  readonly flags: number;
  readonly at: number;
  readonly via: 'create' | 'edit';
  /** `allowed_mentions` sent with this version: `undefined` when absent (Discord then parses every mention). */
  readonly allowedMentions: APIAllowedMentions | null | undefined;
}

export type MessageSource = 'bot-rest' | 'interaction-response' | 'interaction-followup' | 'member';

export interface MessageRecord {
  readonly id: Snowflake;
  readonly channelId: Snowflake;
  /** Null in a DM channel. */
  readonly guildId: Snowflake | null;
  readonly authorId: Snowflake;
  readonly source: MessageSource;
  readonly createdAt: number;
  readonly ephemeral: boolean;
  readonly interactionId: Snowflake | null;
  /** Every version, oldest first; the last one is current. */
  readonly versions: MessageVersion[];
  deletedAt: number | null;
  /** The message as Discord would return it now. */
  current: APIMessage;
}

export interface Ping {
  readonly messageId: Snowflake;
  readonly channelId: Snowflake;
  readonly at: number;
  readonly via: 'create' | 'edit';
  readonly kind: 'user' | 'role' | 'everyone';
  readonly targetId: Snowflake | null;
}

export interface ThreadRecord {
  readonly id: Snowflake;
  readonly parentId: Snowflake;
  readonly guildId: Snowflake;
  readonly name: string;
  readonly type: ThreadChannelType;
  readonly ownerId: Snowflake;
  readonly createdAt: number;
  readonly fromMessageId: Snowflake | null;
  readonly archived: boolean;
  readonly locked: boolean;
}

export interface ResolvedMentions {
  readonly users: Snowflake[];
  readonly roles: Snowflake[];
  readonly everyone: boolean;
}

export interface WorldOptions {
  readonly botUsername: string;
  readonly guildCount: number;
}

// ---------------------------------------------------------------------------------------------------------------
// Permissions

const P = PermissionFlagsBits;
export const EVERYONE_PERMISSIONS =
  P.CreateInstantInvite |
  P.ChangeNickname |
  P.ViewChannel |
  P.SendMessages |
  P.SendMessagesInThreads |
  P.CreatePublicThreads |
  P.CreatePrivateThreads |
  P.EmbedLinks |
  P.AttachFiles |
  P.AddReactions |
  P.UseExternalEmojis |
  P.UseExternalStickers |
  P.MentionEveryone |
  P.ReadMessageHistory |
  P.UseApplicationCommands |
  P.Connect |
  P.Speak |
  P.Stream |
  P.UseVAD |
  P.SendVoiceMessages |
  P.SendPolls |
  P.UseExternalApps;
export const ADMIN_ROLE_PERMISSIONS = P.ManageGuild | P.ManageMessages | P.ManageThreads | P.ManageChannels;
export const BOT_ROLE_PERMISSIONS =
  P.ViewChannel |
  P.SendMessages |
  P.SendMessagesInThreads |
  P.CreatePublicThreads |
  P.ManageThreads |
  P.EmbedLinks |
  P.AttachFiles |
  P.ReadMessageHistory |
  P.AddReactions |
  P.UseApplicationCommands;
const ALL_PERMISSIONS = Object.values(PermissionFlagsBits).reduce((all, bit) => all | bit, 0n);

// ---------------------------------------------------------------------------------------------------------------
// Inputs

export interface CreateMessageInput {
  readonly channelId: Snowflake;
  readonly authorId: Snowflake;
  readonly source: MessageSource;
  readonly content?: string | null;
  readonly embeds?: readonly APIEmbed[] | null;
  readonly attachments?: readonly APIAttachment[];
  readonly components?: readonly APIMessageTopLevelComponent[] | null;
  readonly flags?: number | null;
  readonly allowedMentions?: APIAllowedMentions | null;
  readonly nonce?: string | number | null;
  readonly tts?: boolean | null;
  readonly messageReference?: { message_id?: Snowflake; channel_id?: Snowflake; fail_if_not_exists?: boolean } | null;
  readonly interaction?: { readonly id: Snowflake; readonly userId: Snowflake; readonly name: string };
  readonly webhookId?: Snowflake;
  readonly type?: MessageType;
  /** Allow an empty message (the deferred "thinking" message). */
  readonly allowEmpty?: boolean;
  /** A forum post's starter message takes the post's id (thread id = starter message id). */
  readonly id?: Snowflake;
}

export interface EditMessageInput {
  readonly content?: string | null;
  readonly embeds?: readonly APIEmbed[] | null;
  readonly components?: readonly APIMessageTopLevelComponent[] | null;
  readonly flags?: number | null;
  readonly allowedMentions?: APIAllowedMentions | null;
  readonly attachments?: readonly APIAttachment[] | null;
}

export interface ForumPostRecordInput {
  readonly forumId: Snowflake;
  readonly authorId: Snowflake;
  readonly title: string;
  readonly content: string;
  readonly appliedTags?: readonly Snowflake[];
  readonly attachments?: readonly APIAttachment[];
}

export interface CreateThreadInput {
  readonly parentId: Snowflake;
  readonly name: string;
  readonly ownerId: Snowflake;
  readonly type: ThreadChannelType;
  readonly fromMessageId: Snowflake | null;
  readonly autoArchiveDuration?: ThreadAutoArchiveDuration | null;
  readonly rateLimitPerUser?: number | null;
  readonly invitable?: boolean | null;
}

// ---------------------------------------------------------------------------------------------------------------

export class FakeWorld {
  readonly ids = new SnowflakeGenerator();
  private readonly fixtureIds = new SnowflakeGenerator();
  readonly users = new Map<Snowflake, FakeUser>();
  readonly guilds = new Map<Snowflake, FakeGuild>();
  readonly roles = new Map<Snowflake, FakeRole>();
  readonly members = new Map<string, FakeMember>();
  readonly channels = new Map<Snowflake, FakeChannel>();
  readonly messages = new Map<Snowflake, MessageRecord>();
  readonly pings: Ping[] = [];
  readonly bot: FakeUser;
  readonly applicationId: Snowflake;
  readonly ownerUser: FakeUser;
  readonly memberUser: FakeUser;
  readonly adminUser: FakeUser;
  private fixtureClock = FIXTURE_EPOCH_MS;

  constructor(
    options: WorldOptions,
    private readonly dispatcher: Dispatcher,
  ) {
    this.bot = this.addUser({ username: options.botUsername, globalName: null, bot: true });
    this.applicationId = this.bot.id; // modern applications: application id = bot user id
    this.ownerUser = this.addUser({ username: 'guild_owner', globalName: 'Guild Owner', bot: false });
    this.adminUser = this.addUser({ username: 'ada_admin', globalName: 'Ada (admin)', bot: false });
    this.memberUser = this.addUser({ username: 'alice', globalName: 'Alice', bot: false });
    for (let i = 0; i < options.guildCount; i++) this.addGuild(i === 0 ? 'Fake Guild' : `Fake Guild ${i + 1}`);
  }

  private nextFixtureId(): Snowflake {
    this.fixtureClock += 86_400_000;
    return this.fixtureIds.next(this.fixtureClock);
  }

  /** Guild `index` gets an id on shard `index % n` for every n dividing 12 ((ms since epoch) ≡ index mod 12). */
  private nextGuildId(index: number): Snowflake {
    this.fixtureClock += 86_400_000;
    const sinceEpoch = this.fixtureClock - DISCORD_EPOCH_MS;
    this.fixtureClock += (((index - sinceEpoch) % 12) + 12) % 12;
    return this.fixtureIds.next(this.fixtureClock);
  }

  addUser(input: { username: string; globalName: string | null; bot: boolean }): FakeUser {
    const user: FakeUser = { id: this.nextFixtureId(), ...input };
    this.users.set(user.id, user);
    return user;
  }

  private addGuild(name: string): FakeGuild {
    const id = this.nextGuildId(this.guilds.size);
    const everyoneRoleId = id; // the @everyone role shares the guild id
    const adminRoleId = this.nextFixtureId();
    const botRoleId = this.nextFixtureId();
    const categoryId = this.nextFixtureId();
    const textChannelId = this.nextFixtureId();
    const otherTextChannelId = this.nextFixtureId();
    const guild: FakeGuild = {
      id,
      name,
      ownerId: this.ownerUser.id,
      everyoneRoleId,
      adminRoleId,
      botRoleId,
      categoryId,
      textChannelId,
      otherTextChannelId,
      joinedAt: this.fixtureClock,
    };
    this.guilds.set(id, guild);
    const role = (r: Omit<FakeRole, 'guildId'>): void => {
      this.roles.set(r.id, { guildId: id, ...r });
    };
    role({ id: everyoneRoleId, name: '@everyone', permissions: EVERYONE_PERMISSIONS, position: 0, managed: false });
    role({ id: adminRoleId, name: 'Admin', permissions: ADMIN_ROLE_PERMISSIONS, position: 2, managed: false });
    role({
      id: botRoleId,
      name: this.bot.username,
      permissions: BOT_ROLE_PERMISSIONS,
      position: 1,
      managed: true,
      botId: this.bot.id,
    });
    const channel = (
      c: Omit<FakeChannel, 'guildId' | 'lastMessageId' | 'rateLimitPerUser' | 'topic'> & { topic?: string },
    ): void => {
      this.channels.set(c.id, { guildId: id, lastMessageId: null, rateLimitPerUser: 0, topic: c.topic ?? null, ...c });
    };
    channel({ id: categoryId, type: ChannelType.GuildCategory, name: 'Text Channels', parentId: null, position: 0 });
    channel({
      id: textChannelId,
      type: ChannelType.GuildText,
      name: 'general',
      parentId: categoryId,
      position: 0,
      topic: 'General chat',
    });
    channel({ id: otherTextChannelId, type: ChannelType.GuildText, name: 'random', parentId: categoryId, position: 1 });
    this.addMember(id, this.ownerUser.id, []);
    this.addMember(id, this.adminUser.id, [adminRoleId]);
    this.addMember(id, this.memberUser.id, []);
    this.addMember(id, this.bot.id, [botRoleId]);
    return guild;
  }

  addMember(guildId: Snowflake, userId: Snowflake, roleIds: Snowflake[]): FakeMember {
    const member: FakeMember = { guildId, userId, roleIds, joinedAt: this.fixtureClock, nick: null };
    this.members.set(`${guildId}:${userId}`, member);
    return member;
  }

  // -------------------------------------------------------------------------------------------------------------
  // Lookups

  get firstGuild(): FakeGuild {
    const guild = this.guilds.values().next().value;
    if (!guild) throw new Error('the fake has no guild');
    return guild;
  }

  user(id: Snowflake): FakeUser {
    const user = this.users.get(id);
    if (!user) throw discordErrors.unknownUser();
    return user;
  }

  guild(id: Snowflake): FakeGuild {
    const guild = this.guilds.get(id);
    if (!guild) throw discordErrors.unknownGuild();
    return guild;
  }

  member(guildId: Snowflake, userId: Snowflake): FakeMember {
    const member = this.members.get(`${guildId}:${userId}`);
    if (!member) throw discordErrors.unknownMember();
    return member;
  }

  channel(id: Snowflake): FakeChannel {
    const channel = this.channels.get(id);
    if (!channel) throw discordErrors.unknownChannel();
    return channel;
  }

  message(channelId: Snowflake, messageId: Snowflake): MessageRecord {
    const record = this.messages.get(messageId);
    if (!record || record.channelId !== channelId || record.deletedAt !== null) throw discordErrors.unknownMessage();
    return record;
  }

  guildRoles(guildId: Snowflake): FakeRole[] {
    return [...this.roles.values()].filter((r) => r.guildId === guildId).sort((a, b) => a.position - b.position);
  }

  guildMembers(guildId: Snowflake): FakeMember[] {
    return [...this.members.values()].filter((m) => m.guildId === guildId);
  }

  guildChannels(guildId: Snowflake): FakeChannel[] {
    return [...this.channels.values()].filter((c) => c.guildId === guildId);
  }

  /** Guild-level permissions of a member (no channel overwrites exist in the fake). */
  permissions(guildId: Snowflake, userId: Snowflake): bigint {
    const guild = this.guild(guildId);
    if (guild.ownerId === userId) return ALL_PERMISSIONS;
    const member = this.member(guildId, userId);
    let bits = this.roles.get(guild.everyoneRoleId)?.permissions ?? 0n;
    for (const roleId of member.roleIds) bits |= this.roles.get(roleId)?.permissions ?? 0n;
    return (bits & P.Administrator) === P.Administrator ? ALL_PERMISSIONS : bits;
  }

  botCan(guildId: Snowflake, permission: bigint): boolean {
    return (this.permissions(guildId, this.bot.id) & permission) === permission;
  }

  /** The guild of a guild channel; DM channels have none (guild-only operations refuse them). */
  guildIdOf(channel: Pick<FakeChannel, 'guildId'>): Snowflake {
    if (channel.guildId === null) throw discordErrors.cannotSendInNonText();
    return channel.guildId;
  }

  isThread(channel: FakeChannel): channel is FakeChannel & { thread: ThreadState } {
    return channel.thread !== undefined;
  }

  // -------------------------------------------------------------------------------------------------------------
  // API object builders

  apiUser(id: Snowflake): APIUser {
    const user = this.user(id);
    return {
      id: user.id,
      username: user.username,
      discriminator: '0',
      global_name: user.globalName,
      avatar: null,
      ...(user.bot ? { bot: true } : {}),
      public_flags: NO_USER_FLAGS,
      flags: NO_USER_FLAGS,
      banner: null,
      accent_color: null,
      avatar_decoration_data: null,
      collectibles: null,
      primary_guild: null,
    };
  }

  private memberFields(member: FakeMember): APIGuildMemberNoUser {
    return {
      roles: [...member.roleIds],
      nick: member.nick,
      avatar: null,
      banner: null,
      joined_at: iso(member.joinedAt),
      premium_since: null,
      deaf: false,
      mute: false,
      pending: false,
      flags: NO_MEMBER_FLAGS,
      communication_disabled_until: null,
    };
  }

  apiMember(guildId: Snowflake, userId: Snowflake): APIGuildMember {
    return { ...this.memberFields(this.member(guildId, userId)), user: this.apiUser(userId) };
  }

  apiMemberNoUser(guildId: Snowflake, userId: Snowflake): APIGuildMemberNoUser {
    return this.memberFields(this.member(guildId, userId));
  }

  apiRole(role: FakeRole): APIRole {
    return {
      id: role.id,
      name: role.name,
      color: 0,
      colors: { primary_color: 0, secondary_color: null, tertiary_color: null },
      hoist: false,
      icon: null,
      unicode_emoji: null,
      position: role.position,
      permissions: role.permissions.toString(),
      managed: role.managed,
      mentionable: false,
      flags: NO_ROLE_FLAGS,
      ...(role.botId ? { tags: { bot_id: role.botId } } : {}),
    };
  }

  apiGuild(guildId: Snowflake): APIGuild {
    const guild = this.guild(guildId);
    return {
      id: guild.id,
      name: guild.name,
      icon: null,
      icon_hash: null,
      splash: null,
      discovery_splash: null,
      banner: null,
      description: null,
      owner_id: guild.ownerId,
      region: 'deprecated',
      afk_channel_id: null,
      afk_timeout: 300,
      widget_enabled: false,
      widget_channel_id: null,
      verification_level: GuildVerificationLevel.Low,
      default_message_notifications: GuildDefaultMessageNotifications.OnlyMentions,
      explicit_content_filter: GuildExplicitContentFilter.AllMembers,
      roles: this.guildRoles(guildId).map((r) => this.apiRole(r)),
      emojis: [],
      stickers: [],
      features: [],
      mfa_level: GuildMFALevel.None,
      application_id: null,
      system_channel_id: guild.textChannelId,
      system_channel_flags: GuildSystemChannelFlags.SuppressJoinNotificationReplies,
      rules_channel_id: null,
      max_presences: null,
      max_members: 500_000,
      vanity_url_code: null,
      premium_tier: GuildPremiumTier.None,
      premium_subscription_count: 0,
      preferred_locale: Locale.EnglishUS,
      public_updates_channel_id: null,
      max_video_channel_users: 25,
      max_stage_video_channel_users: 50,
      nsfw_level: GuildNSFWLevel.Default,
      premium_progress_bar_enabled: false,
      hub_type: null,
      safety_alerts_channel_id: null,
      incidents_data: null,
    };
  }

  apiChannel(channelId: Snowflake): APIChannel {
    const channel = this.channel(channelId);
    if (this.isThread(channel)) return this.apiThread(channel);
    if (channel.type === ChannelType.DM) return apiDmChannel(this, channel);
    if (channel.type === ChannelType.GuildForum) return apiForumChannel(channel, this.guildIdOf(channel));
    if (channel.type === ChannelType.GuildCategory) {
      const category: APIGuildCategoryChannel = {
        id: channel.id,
        type: ChannelType.GuildCategory,
        guild_id: this.guildIdOf(channel),
        name: channel.name,
        position: channel.position,
        parent_id: null,
        permission_overwrites: [],
        nsfw: false,
        flags: NO_CHANNEL_FLAGS,
      };
      return category;
    }
    const text: APITextChannel = {
      id: channel.id,
      type: ChannelType.GuildText,
      guild_id: this.guildIdOf(channel),
      name: channel.name,
      position: channel.position,
      parent_id: channel.parentId,
      permission_overwrites: [],
      nsfw: false,
      topic: channel.topic,
      last_message_id: channel.lastMessageId,
      rate_limit_per_user: channel.rateLimitPerUser,
      default_auto_archive_duration: ThreadAutoArchiveDuration.OneDay,
      default_thread_rate_limit_per_user: 0,
      last_pin_timestamp: null,
      flags: NO_CHANNEL_FLAGS,
    };
    return text;
  }

  apiThread(channel: FakeChannel & { thread: ThreadState }): APIThreadChannel {
    const t = channel.thread;
    return {
      id: channel.id,
      type: channel.type as ThreadChannelType,
      guild_id: this.guildIdOf(channel),
      name: channel.name,
      parent_id: channel.parentId ?? undefined,
      owner_id: t.ownerId,
      last_message_id: channel.lastMessageId,
      rate_limit_per_user: channel.rateLimitPerUser,
      message_count: t.messageCount,
      ...(t.appliedTags ? { applied_tags: [...t.appliedTags] } : {}),
      member_count: 1,
      total_message_sent: t.totalMessageSent,
      flags: NO_CHANNEL_FLAGS,
      thread_metadata: {
        archived: t.archived,
        auto_archive_duration: t.autoArchiveDuration,
        archive_timestamp: iso(t.archiveTimestamp),
        locked: t.locked,
        create_timestamp: iso(t.createdAt),
        ...(channel.type === ChannelType.PrivateThread ? { invitable: t.invitable } : {}),
      },
    };
  }

  apiGuildCreate(guildId: Snowflake): GatewayGuildCreateDispatchData {
    const guild = this.guild(guildId);
    const channels = this.guildChannels(guildId);
    return {
      ...this.apiGuild(guildId),
      joined_at: iso(guild.joinedAt),
      large: false,
      unavailable: false,
      member_count: this.guildMembers(guildId).length,
      voice_states: [],
      members: this.guildMembers(guildId).map((m) => this.apiMember(guildId, m.userId)),
      channels: channels
        .filter((c) => !this.isThread(c))
        .map((c) => this.apiChannel(c.id) as GatewayGuildCreateDispatchData['channels'][number]),
      threads: channels
        .filter((c): c is FakeChannel & { thread: ThreadState } => this.isThread(c) && !c.thread.archived)
        .map((c) => this.apiThread(c) as GatewayGuildCreateDispatchData['threads'][number]),
      presences: [],
      stage_instances: [],
      guild_scheduled_events: [],
      soundboard_sounds: [],
    };
  }

  apiApplication(): APIApplication {
    return {
      id: this.applicationId,
      name: this.bot.username,
      icon: null,
      description: 'A fake application for tests',
      summary: '',
      bot_public: false,
      bot_require_code_grant: false,
      bot: this.apiUser(this.bot.id),
      owner: this.apiUser(this.ownerUser.id),
      verify_key: 'a'.repeat(64),
      team: null,
      flags: ApplicationFlags.GatewayMessageContentLimited | ApplicationFlags.ApplicationCommandBadge,
      flags_new: String(ApplicationFlags.GatewayMessageContentLimited | ApplicationFlags.ApplicationCommandBadge),
      approximate_guild_count: this.guilds.size,
      approximate_user_install_count: 0,
      approximate_user_authorization_count: 0,
      redirect_uris: [],
      interactions_endpoint_url: null,
      role_connections_verification_url: null,
      integration_types_config: { [ApplicationIntegrationType.GuildInstall]: {} },
    };
  }

  // -------------------------------------------------------------------------------------------------------------
  // Messages

  private assertTextChannel(channel: FakeChannel): void {
    if (!TEXT_CHANNEL_TYPES.includes(channel.type)) throw discordErrors.cannotSendInNonText();
  }

  private checkBody(content: string, embeds: readonly APIEmbed[], hasOther: boolean, allowEmpty: boolean): void {
    if ([...content].length > MESSAGE_CONTENT_MAX) throw discordErrors.contentTooLong(MESSAGE_CONTENT_MAX);
    const embedChars = embeds.reduce(
      (sum, e) =>
        sum +
        (e.title?.length ?? 0) +
        (e.description?.length ?? 0) +
        (e.footer?.text.length ?? 0) +
        (e.author?.name.length ?? 0) +
        (e.fields ?? []).reduce((s, f) => s + f.name.length + f.value.length, 0),
      0,
    );
    if (embedChars > EMBEDS_TOTAL_MAX) throw discordErrors.embedsTooLarge();
    if (!allowEmpty && content === '' && embeds.length === 0 && !hasOther) throw discordErrors.cannotSendEmptyMessage();
  }

  /** Create a message like Discord: validate, trim, resolve mentions, keep history, dispatch MESSAGE_CREATE. */
  createMessage(input: CreateMessageInput, now: number = Date.now()): MessageRecord {
    const channel = this.channel(input.channelId);
    this.assertTextChannel(channel);
    const guildId = channel.guildId;
    if (input.source === 'member') {
      this.user(input.authorId);
      if (guildId === null) assertDmParticipant(channel, input.authorId);
      else this.member(guildId, input.authorId);
    }
    const ephemeral = ((input.flags ?? 0) & MessageFlags.Ephemeral) !== 0;
    if (input.authorId === this.bot.id && input.source === 'bot-rest') {
      const needed = this.isThread(channel) ? P.SendMessagesInThreads : P.SendMessages;
      if (guildId !== null && !this.botCan(guildId, P.ViewChannel | needed)) throw discordErrors.missingPermissions();
    }
    if (this.isThread(channel) && !ephemeral) {
      const guild = this.guildIdOf(channel);
      if (channel.thread.locked && !this.botCan(guild, P.ManageThreads)) throw discordErrors.threadLocked();
    }
    const content = (input.content ?? '').trim();
    const embeds = [...(input.embeds ?? [])];
    const attachments = [...(input.attachments ?? [])];
    const components = withComponentIds(input.components ?? []);
    this.checkBody(content, embeds, attachments.length > 0 || components.length > 0, input.allowEmpty === true);
    checkComponents(components);

    let reference: APIMessageReference | undefined;
    let referenced: MessageRecord | undefined;
    if (input.messageReference?.message_id) {
      const targetChannel = input.messageReference.channel_id ?? channel.id;
      referenced = this.messages.get(input.messageReference.message_id);
      if (
        (!referenced || referenced.channelId !== targetChannel) &&
        input.messageReference.fail_if_not_exists !== false
      ) {
        throw new DiscordApiError(400, {
          code: 50035,
          message: 'Invalid Form Body',
          errors: {
            message_reference: { _errors: [{ code: 'MESSAGE_REFERENCE_UNKNOWN_MESSAGE', message: 'Unknown message' }] },
          },
        });
      }
      if (referenced) {
        const where = { message_id: referenced.id, channel_id: referenced.channelId };
        reference = { type: 0, ...where, ...(guildId ? { guild_id: guildId } : {}) };
      }
    }

    const id = input.id ?? this.ids.next(now);
    const flags = input.flags ?? 0;
    const type = input.type ?? (reference ? MessageType.Reply : MessageType.Default);
    const interactionFields: Pick<APIMessage, 'interaction_metadata' | 'interaction'> = {};
    if (input.interaction) {
      const user = this.apiUser(input.interaction.userId);
      const metadata: APIApplicationCommandInteractionMetadata = {
        id: input.interaction.id,
        type: InteractionType.ApplicationCommand,
        user,
        // "0": a command run in the bot's DM.
        authorizing_integration_owners: { [ApplicationIntegrationType.GuildInstall]: channel.guildId ?? '0' },
      };
      const legacy: APIMessageInteraction = {
        id: input.interaction.id,
        type: InteractionType.ApplicationCommand,
        name: input.interaction.name,
        user,
      };
      interactionFields.interaction_metadata = metadata;
      interactionFields.interaction = legacy;
    }
    const mentions = this.resolveMentions(guildId, content, input.allowedMentions, referenced);
    const message: APIMessage = {
      id,
      channel_id: channel.id,
      author: this.apiUser(input.authorId),
      content,
      timestamp: iso(now),
      edited_timestamp: null,
      tts: input.tts ?? false,
      mention_everyone: mentions.everyone,
      mentions: mentions.users.map((u) => this.apiUser(u)),
      mention_roles: mentions.roles,
      attachments,
      embeds,
      pinned: false,
      type,
      flags,
      components,
      ...(input.nonce !== undefined && input.nonce !== null ? { nonce: input.nonce } : {}),
      ...(input.webhookId ? { webhook_id: input.webhookId, application_id: this.applicationId } : {}),
      ...interactionFields,
      ...(reference ? { message_reference: reference, referenced_message: referenced?.current ?? null } : {}),
    };
    const record: MessageRecord = {
      id,
      channelId: channel.id,
      guildId: channel.guildId,
      authorId: input.authorId,
      source: input.source,
      createdAt: now,
      ephemeral,
      interactionId: input.interaction?.id ?? null,
      versions: [
        { content, embeds, components, flags, at: now, via: 'create', allowedMentions: input.allowedMentions },
      ],
      deletedAt: null,
      current: message,
    };
    this.messages.set(id, record);
    this.recordPings(record, mentions, 'create', now);
    if (ephemeral) return record;

    channel.lastMessageId = id;
    if (this.isThread(channel)) {
      channel.thread.messageCount += 1;
      channel.thread.totalMessageSent += 1;
      if (channel.thread.archived && !channel.thread.locked) {
        channel.thread.archived = false; // a new message unarchives an unlocked thread
        channel.thread.archiveTimestamp = now;
        this.dispatchThreadUpdate(channel);
      }
    }
    this.dispatchMessageCreate(record);
    return record;
  }

  /** MESSAGE_CREATE once more for an existing message (a replayed event, for de-duplication tests). */
  redispatchMessageCreate(messageId: Snowflake): void {
    const record = this.messages.get(messageId);
    if (!record || record.ephemeral || record.deletedAt !== null) throw new Error(`no visible message ${messageId}`);
    this.dispatchMessageCreate(record);
  }

  private dispatchMessageCreate(record: MessageRecord): void {
    const payload: Omit<GatewayMessageCreateDispatch, 's'> = {
      op: GatewayOpcodes.Dispatch,
      t: GatewayDispatchEvents.MessageCreate,
      d: this.gatewayMessage(record),
    };
    this.dispatcher.dispatch(payload, {
      intent: messageIntent(record),
      adapt: (session) => this.adaptForContentIntent(payload, record, session.intents),
    });
  }

  editMessage(record: MessageRecord, patch: EditMessageInput, now: number = Date.now()): MessageRecord {
    if (record.deletedAt !== null) throw discordErrors.unknownMessage();
    const channel = this.channel(record.channelId);
    if (this.isThread(channel) && channel.thread.archived && !record.ephemeral) throw discordErrors.threadArchived();
    const prev = record.current;
    const content = patch.content === undefined ? prev.content : (patch.content ?? '').trim();
    const embeds = patch.embeds === undefined ? prev.embeds : [...(patch.embeds ?? [])];
    const attachments =
      patch.attachments === undefined || patch.attachments === null ? prev.attachments : [...patch.attachments];
    const components =
      patch.components === undefined ? (prev.components ?? []) : withComponentIds(patch.components ?? []);
    // Only SuppressEmbeds may be toggled by an edit; Ephemeral/Loading etc. stay as they are (Loading clears on edit).
    const keep = (prev.flags ?? 0) & ~(MessageFlags.SuppressEmbeds | MessageFlags.Loading);
    const flags = keep | ((patch.flags ?? prev.flags ?? 0) & MessageFlags.SuppressEmbeds);
    this.checkBody(content, embeds, attachments.length > 0 || components.length > 0, false);
    checkComponents(components);
    // An edit without allowed_mentions is re-parsed with the default rules.
    const referenced = prev.message_reference?.message_id
      ? this.messages.get(prev.message_reference.message_id)
      : undefined;
    const mentions = this.resolveMentions(record.guildId, content, patch.allowedMentions, referenced);
    record.current = {
      ...prev,
      content,
      embeds,
      attachments,
      components,
      flags,
      edited_timestamp: iso(now),
      mention_everyone: mentions.everyone,
      mentions: mentions.users.map((u) => this.apiUser(u)),
      mention_roles: mentions.roles,
    };
    record.versions.push({
      content,
      embeds,
      components,
      flags,
      at: now,
      via: 'edit',
      allowedMentions: patch.allowedMentions,
    });
    this.recordPings(record, mentions, 'edit', now);
    if (!record.ephemeral) {
      const payload: Omit<GatewayMessageUpdateDispatch, 's'> = {
        op: GatewayOpcodes.Dispatch,
        t: GatewayDispatchEvents.MessageUpdate,
        d: this.gatewayMessage(record),
      };
      this.dispatcher.dispatch(payload, {
        intent: messageIntent(record),
        adapt: (session) => this.adaptForContentIntent(payload, record, session.intents),
      });
    }
    return record;
  }

  deleteMessage(record: MessageRecord, byUserId: Snowflake, now: number = Date.now()): void {
    if (record.deletedAt !== null) throw discordErrors.unknownMessage();
    const mayManage = record.guildId !== null && (this.permissions(record.guildId, byUserId) & P.ManageMessages) !== 0n;
    if (record.authorId !== byUserId && !mayManage) {
      throw discordErrors.missingPermissions();
    }
    record.deletedAt = now;
    if (record.ephemeral) return;
    const payload: Omit<GatewayMessageDeleteDispatch, 's'> = {
      op: GatewayOpcodes.Dispatch,
      t: GatewayDispatchEvents.MessageDelete,
      d: { id: record.id, channel_id: record.channelId, ...(record.guildId ? { guild_id: record.guildId } : {}) },
    };
    this.dispatcher.dispatch(payload, { intent: messageIntent(record) });
  }

  /** MESSAGE_CREATE / MESSAGE_UPDATE payload: the message plus guild_id, member and members of mentioned users. */
  gatewayMessage(record: MessageRecord): GatewayMessageCreateDispatchData {
    const message = record.current;
    const channel = this.channel(record.channelId);
    const guildId = record.guildId;
    if (guildId === null) return { ...message, channel_type: ChannelType.DM };
    const mentions: APIUserWithMember[] = message.mentions.map((user) => {
      const member = this.members.get(`${guildId}:${user.id}`);
      return member ? { ...user, member: this.apiMemberNoUser(guildId, user.id) } : user;
    });
    const isWebhook = message.webhook_id !== undefined;
    return {
      ...message,
      guild_id: guildId,
      ...(isWebhook ? {} : { member: this.apiMemberNoUser(guildId, record.authorId) }),
      mentions,
      channel_type: channel.type as TextChannelType,
    };
  }

  /** Without the MessageContent intent, Discord blanks content of messages that do not mention the bot. */
  private adaptForContentIntent<T extends Omit<GatewayMessageCreateDispatch | GatewayMessageUpdateDispatch, 's'>>(
    payload: T,
    record: MessageRecord,
    intents: number,
  ): T {
    if ((intents & GatewayIntentBits.MessageContent) !== 0) return payload;
    if (record.authorId === this.bot.id) return payload;
    if (record.current.mentions.some((u) => u.id === this.bot.id)) return payload;
    return { ...payload, d: { ...payload.d, content: '', embeds: [], attachments: [], components: [] } };
  }

  /** Which users / roles / @everyone a content actually pings under `allowed_mentions` (absent = parse all). */
  resolveMentions(
    guildId: Snowflake | null,
    content: string,
    allowed: APIAllowedMentions | null | undefined,
    referenced?: MessageRecord,
  ): ResolvedMentions {
    const parse = allowed ? new Set(allowed.parse ?? []) : new Set(['users', 'roles', 'everyone']);
    const explicitUsers = new Set(allowed?.users ?? []);
    const explicitRoles = new Set(allowed?.roles ?? []);
    const users = new Set<Snowflake>();
    for (const match of content.matchAll(/<@!?(\d{17,20})>/g)) {
      const id = match[1] ?? '';
      if (!this.users.has(id)) continue;
      if (parse.has('users') || explicitUsers.has(id)) users.add(id);
    }
    if (referenced && (allowed ? allowed.replied_user === true : true)) users.add(referenced.authorId);
    const roles = new Set<Snowflake>();
    for (const match of content.matchAll(/<@&(\d{17,20})>/g)) {
      const id = match[1] ?? '';
      const role = this.roles.get(id);
      if (!role || guildId === null || role.guildId !== guildId) continue;
      if (parse.has('roles') || explicitRoles.has(id)) roles.add(id);
    }
    const everyone = /@(everyone|here)\b/.test(content) && parse.has('everyone');
    return { users: [...users], roles: [...roles], everyone };
  }

  private recordPings(record: MessageRecord, mentions: ResolvedMentions, via: 'create' | 'edit', at: number): void {
    if (record.authorId !== this.bot.id) return;
    const base = { messageId: record.id, channelId: record.channelId, at, via };
    for (const id of mentions.users) this.pings.push({ ...base, kind: 'user', targetId: id });
    for (const id of mentions.roles) this.pings.push({ ...base, kind: 'role', targetId: id });
    if (mentions.everyone) this.pings.push({ ...base, kind: 'everyone', targetId: null });
  }

  // -------------------------------------------------------------------------------------------------------------
  // Threads

  createThread(input: CreateThreadInput, now: number = Date.now()): FakeChannel & { thread: ThreadState } {
    const parent = this.channel(input.parentId);
    if (parent.type !== ChannelType.GuildText && parent.type !== ChannelType.GuildAnnouncement) {
      throw discordErrors.cannotSendInNonText();
    }
    let starter: MessageRecord | undefined;
    if (input.fromMessageId !== null) {
      starter = this.message(parent.id, input.fromMessageId);
      if (this.channels.has(starter.id)) throw discordErrors.threadAlreadyCreated();
    }
    if (input.ownerId === this.bot.id) {
      const needed = input.type === ChannelType.PrivateThread ? P.CreatePrivateThreads : P.CreatePublicThreads;
      if (!this.botCan(this.guildIdOf(parent), needed)) throw discordErrors.missingPermissions();
    }
    const id = starter ? starter.id : this.ids.next(now);
    const thread: FakeChannel & { thread: ThreadState } = {
      id,
      guildId: this.guildIdOf(parent),
      type: input.type,
      name: input.name,
      parentId: parent.id,
      position: 0,
      topic: null,
      lastMessageId: null,
      rateLimitPerUser: input.rateLimitPerUser ?? 0,
      thread: {
        ownerId: input.ownerId,
        archived: false,
        locked: false,
        autoArchiveDuration: input.autoArchiveDuration ?? ThreadAutoArchiveDuration.OneDay,
        archiveTimestamp: now,
        createdAt: now,
        messageCount: 0,
        totalMessageSent: 0,
        invitable: input.invitable ?? true,
        starterMessageId: starter?.id ?? null,
      },
    };
    this.channels.set(id, thread);
    if (starter) {
      starter.current = {
        ...starter.current,
        flags: (starter.current.flags ?? 0) | MessageFlags.HasThread,
        thread: this.apiThread(thread),
      };
    }
    const payload: Omit<GatewayThreadCreateDispatch, 's'> = {
      op: GatewayOpcodes.Dispatch,
      t: GatewayDispatchEvents.ThreadCreate,
      d: { ...this.apiThread(thread), newly_created: true },
    };
    this.dispatcher.dispatch(payload, { intent: GatewayIntentBits.Guilds });
    return thread;
  }

  setThreadArchived(threadId: Snowflake, archived: boolean, locked = false, now: number = Date.now()): void {
    const channel = this.channel(threadId);
    if (!this.isThread(channel)) throw discordErrors.unknownChannel();
    channel.thread.archived = archived;
    channel.thread.locked = locked;
    channel.thread.archiveTimestamp = now;
    this.dispatchThreadUpdate(channel);
  }

  private dispatchThreadUpdate(channel: FakeChannel & { thread: ThreadState }): void {
    const payload: Omit<GatewayThreadUpdateDispatch, 's'> = {
      op: GatewayOpcodes.Dispatch,
      t: GatewayDispatchEvents.ThreadUpdate,
      d: this.apiThread(channel),
    };
    this.dispatcher.dispatch(payload, { intent: GatewayIntentBits.Guilds });
  }

  /** A forum channel in a guild, announced with CHANNEL_CREATE as when an admin adds one. */
  addForumChannel(guildId: Snowflake, name: string, tags: readonly string[] = []): FakeChannel {
    const guild = this.guild(guildId);
    const availableTags = tags.map((tagName) => ({ id: this.ids.next(), name: tagName }));
    const forum: FakeChannel = {
      id: this.ids.next(),
      guildId,
      type: ChannelType.GuildForum,
      name,
      parentId: guild.categoryId,
      position: 5,
      topic: null,
      lastMessageId: null,
      rateLimitPerUser: 0,
      availableTags,
    };
    this.channels.set(forum.id, forum);
    const payload: Omit<GatewayChannelCreateDispatch, 's'> = {
      op: GatewayOpcodes.Dispatch,
      t: GatewayDispatchEvents.ChannelCreate,
      d: { ...apiForumChannel(forum, guildId), guild_id: guildId },
    };
    this.dispatcher.dispatch(payload, { intent: GatewayIntentBits.Guilds });
    return forum;
  }

  /**
   * A member posts in a forum, as Discord does it: the post is a public thread named by its title (THREAD_CREATE),
   * then its starter message, whose id is the thread's (MESSAGE_CREATE in the thread).
   */
  createForumPost(
    input: ForumPostRecordInput,
    now: number = Date.now(),
  ): { thread: FakeChannel & { thread: ThreadState }; starter: MessageRecord } {
    const forum = this.channel(input.forumId);
    if (forum.type !== ChannelType.GuildForum) throw discordErrors.cannotSendInNonText();
    const guildId = this.guildIdOf(forum);
    this.member(guildId, input.authorId);
    const known = new Set((forum.availableTags ?? []).map((tag) => tag.id));
    if ((input.appliedTags ?? []).some((tag) => !known.has(tag))) throw discordErrors.unknownChannel();
    const id = this.ids.next(now);
    const thread: FakeChannel & { thread: ThreadState } = {
      id,
      guildId,
      type: ChannelType.PublicThread,
      name: checkThreadName(input.title),
      parentId: forum.id,
      position: 0,
      topic: null,
      lastMessageId: null,
      rateLimitPerUser: 0,
      thread: {
        ownerId: input.authorId,
        archived: false,
        locked: false,
        autoArchiveDuration: ThreadAutoArchiveDuration.ThreeDays,
        archiveTimestamp: now,
        createdAt: now,
        messageCount: 0,
        totalMessageSent: 0,
        invitable: true,
        starterMessageId: id,
        ...(input.appliedTags ? { appliedTags: [...input.appliedTags] } : {}),
      },
    };
    this.channels.set(id, thread);
    forum.lastMessageId = id;
    const payload: Omit<GatewayThreadCreateDispatch, 's'> = {
      op: GatewayOpcodes.Dispatch,
      t: GatewayDispatchEvents.ThreadCreate,
      d: { ...this.apiThread(thread), newly_created: true },
    };
    this.dispatcher.dispatch(payload, { intent: GatewayIntentBits.Guilds });
    const starter = this.createMessage(
      {
        id,
        channelId: id,
        authorId: input.authorId,
        source: 'member',
        content: input.content,
        ...(input.attachments ? { attachments: input.attachments } : {}),
      },
      now,
    );
    return { thread, starter };
  }

  /** The DM channel between the bot and a user (created on first use, as opening a DM does). */
  dmChannel(userId: Snowflake): FakeChannel {
    const existing = [...this.channels.values()].find((c) => c.type === ChannelType.DM && c.recipientId === userId);
    if (existing) return existing;
    this.user(userId);
    const dm: FakeChannel = {
      id: this.ids.next(),
      guildId: null,
      type: ChannelType.DM,
      name: '',
      parentId: null,
      position: 0,
      topic: null,
      lastMessageId: null,
      rateLimitPerUser: 0,
      recipientId: userId,
    };
    this.channels.set(dm.id, dm);
    return dm;
  }

  /** Rename a thread (a member with Manage Threads or its owner, or the bot through PATCH): THREAD_UPDATE. */
  renameThread(threadId: Snowflake, name: string, byUserId: Snowflake): void {
    const channel = this.channel(threadId);
    if (!this.isThread(channel)) throw discordErrors.unknownChannel();
    const guildId = this.guildIdOf(channel);
    const mayManage = (this.permissions(guildId, byUserId) & P.ManageThreads) === P.ManageThreads;
    if (channel.thread.ownerId !== byUserId && !mayManage) throw discordErrors.missingPermissions();
    if (channel.thread.archived) throw discordErrors.threadArchived();
    channel.name = checkThreadName(name);
    this.dispatchThreadUpdate(channel);
  }

  threadRecords(): ThreadRecord[] {
    return [...this.channels.values()]
      .filter((c): c is FakeChannel & { thread: ThreadState } => this.isThread(c))
      .map((c) => ({
        id: c.id,
        parentId: c.parentId ?? '',
        guildId: this.guildIdOf(c),
        name: c.name,
        type: c.type as ThreadChannelType,
        ownerId: c.thread.ownerId,
        createdAt: c.thread.createdAt,
        fromMessageId: c.thread.starterMessageId,
        archived: c.thread.archived,
        locked: c.thread.locked,
      }));
  }
}
