/**
 * A fake Discord for tests and benchmarks: REST (`/api/v10`) and gateway (`/gateway`) on one loopback port, good
 * enough for a real discord.js Client to log in and run against it, and strict enough to be an oracle: every REST
 * request and every response is checked against Discord's OpenAPI description (see specValidator.ts and
 * specExceptions.ts), and every message keeps all its versions.
 *
 * ```ts
 * const fake = await startFakeDiscord();
 * const client = await loginTestClient(fake);             // test/fakes/discord/client.ts
 * fake.sendMessage({ content: 'hello', mentionsBot: true });
 * const [reply] = await fake.waitForBotMessageIdle(fake.ids.textChannelId);
 * await client.destroy(); await fake.close();
 * ```
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Snowflake } from 'discord-api-types/globals';
import { ChannelType, EmbedType, GatewayIntentBits } from 'discord-api-types/v10';
import type { ThreadChannelType } from 'discord-api-types/v10';
import type { APIAttachment } from 'discord-api-types/v10';
import { FakeCdn } from './attachments.js';
import type { AttachmentUpload, CdnDownload } from './attachments.js';
import { CommandRegistry } from './commands.js';
import type { ConnectionRecord, DispatchRecord, IdentifyRecord, ResumeRecord } from './gateway.js';
import { FakeGateway } from './gateway.js';
import { InteractionHandle } from './interactionHandle.js';
import type { RunSlashCommandInput } from './interactions.js';
import type { PressButtonInput } from './components.js';
import { InteractionStore } from './interactions.js';
import { DEFAULT_RATE_LIMITS, RateLimiter } from './rateLimits.js';
import type { RateLimitConfig, RateLimitHit } from './rateLimits.js';
import type { RestFault } from './restFaults.js';
import { FakeRest } from './rest.js';
import type { RecordedRequest, TypingRecord, Violation } from './rest.js';
import { discordSpec } from './specValidator.js';
import { waitFor } from './wait.js';
import type { WaitOptions } from './wait.js';
import { FakeWorld } from './world.js';
import type { FakeChannel, FakeUser, MessageRecord, MessageVersion, Ping, ThreadRecord } from './world.js';

export { waitFor } from './wait.js';
export type { AttachmentUpload, CdnBehaviour, CdnDownload } from './attachments.js';
export { discordContentType } from './attachments.js';
export type { WaitOptions } from './wait.js';
export { InteractionHandle } from './interactionHandle.js';
export type { InteractionOutcome, SettleOptions } from './interactionHandle.js';
export type { RunSlashCommandInput, SlashOptionValue, InteractionCall, InteractionRecord } from './interactions.js';
export type { RecordedRequest, RecordedFile, TypingRecord, Violation, ViolationKind } from './rest.js';
export type { RateLimitConfig, BucketConfig, RateLimitHit } from './rateLimits.js';
export { DEFAULT_RATE_LIMITS } from './rateLimits.js';
export type { RestFault } from './restFaults.js';
export type {
  FakeUser,
  FakeChannel,
  FakeGuild,
  MessageRecord,
  MessageVersion,
  MessageSource,
  Ping,
  ThreadRecord,
} from './world.js';
export { MESSAGE_CONTENT_MAX } from './world.js';
export type { CommandRegistration, CommandScope } from './commands.js';
export type { IdentifyRecord, ResumeRecord, ConnectionRecord, DispatchRecord } from './gateway.js';
export { DISCORD_SPEC_EXCEPTIONS } from './specExceptions.js';
export type { PressButtonInput } from './components.js';
export { buttonsOf } from './components.js';
export type { SpecException } from './specExceptions.js';
export { SnowflakeGenerator, snowflakeTimestamp } from './snowflake.js';

export interface FakeDiscordOptions {
  /** Bot token the fake accepts (REST `Authorization: Bot <token>`, gateway IDENTIFY). Default: a realistic random one. */
  readonly botToken?: string;
  readonly botUsername?: string;
  /** Number of guilds the bot is in (default 1); each has #general, #random, roles and members. */
  readonly guildCount?: number;
  /** Override rate limit buckets; `false` disables one. Defaults in DEFAULT_RATE_LIMITS. */
  readonly rateLimits?: Partial<RateLimitConfig>;
  /** HELLO heartbeat interval (default 41250 ms, like Discord). */
  readonly heartbeatIntervalMs?: number;
  /** Privileged intents enabled for the application (default: MessageContent only). */
  readonly privilegedIntents?: {
    readonly messageContent?: boolean;
    readonly guildMembers?: boolean;
    readonly guildPresences?: boolean;
  };
  /** Window for the first interaction response (default 3000 ms). */
  readonly interactionResponseDeadlineMs?: number;
  /** Interaction token lifetime (default 15 minutes). */
  readonly interactionTokenLifetimeMs?: number;
  /** Answer requests whose body violates the spec with 400 / 50035 like Discord (default true). */
  readonly rejectInvalidRequestBodies?: boolean;
  /** Check the fake's own responses against the spec (default true). */
  readonly validateResponses?: boolean;
  /** Extra latency added to every REST response (default 0). */
  readonly latencyMs?: number;
  /** Lifetime of signed attachment URLs (default 24 h, like Discord). */
  readonly attachmentUrlLifetimeMs?: number;
  /**
   * `shards` in GET /gateway/bot (default 1). Guild i of the fixture is on shard i % n for any n dividing 12, so
   * `guildCount: 2` gives one guild per shard with 2 shards.
   */
  readonly recommendedShards?: number;
}

/** Ids of the default fixture (first guild). */
export interface FakeIds {
  readonly applicationId: Snowflake;
  readonly botUserId: Snowflake;
  readonly guildId: Snowflake;
  readonly categoryId: Snowflake;
  /** #general */
  readonly textChannelId: Snowflake;
  /** #random */
  readonly otherTextChannelId: Snowflake;
  readonly ownerUserId: Snowflake;
  /** A member with Manage Server through the Admin role. */
  readonly adminUserId: Snowflake;
  /** A normal member. */
  readonly memberUserId: Snowflake;
  readonly everyoneRoleId: Snowflake;
  readonly adminRoleId: Snowflake;
  readonly botRoleId: Snowflake;
}

export interface SendMessageInput {
  /** Default: #general of the first guild. May be a thread id. */
  readonly channelId?: Snowflake;
  /** Default: the normal member. */
  readonly authorId?: Snowflake;
  readonly content: string;
  /** Prefix the content with `<@botId> ` (unless it already mentions the bot); the bot is then in `mentions`. */
  readonly mentionsBot?: boolean;
  /** Make the message a reply to this message (same channel). */
  readonly replyToMessageId?: Snowflake;
  /** Files on the message, from `uploadAttachment()` (content may then be empty). */
  readonly attachments?: readonly APIAttachment[];
  /** When it was posted (epoch ms, default now); a time over a minute ago gives it an id from that time. */
  readonly at?: number;
}

export interface CreateThreadAsMemberInput {
  readonly name: string;
  /** Default: #general. */
  readonly parentId?: Snowflake;
  /** Start the thread from this message (thread id = message id). */
  readonly fromMessageId?: Snowflake;
  readonly ownerId?: Snowflake;
  readonly type?: ThreadChannelType;
  /** When it was created (epoch ms, default now), as for `SendMessageInput.at`. */
  readonly at?: number;
}

export interface ForumPostInput {
  readonly forumId: Snowflake;
  /** The post's title (the thread's name). */
  readonly title: string;
  /** The starter message. */
  readonly content: string;
  readonly authorId?: Snowflake;
  /** Prefix the starter message with `<@botId> `. */
  readonly mentionsBot?: boolean;
  /** Ids of the forum's tags (see `FakeChannel.availableTags`). */
  readonly appliedTags?: readonly Snowflake[];
  readonly attachments?: readonly APIAttachment[];
}

export interface DirectMessageInput {
  readonly content: string;
  /** Default: the normal member. */
  readonly authorId?: Snowflake;
  readonly attachments?: readonly APIAttachment[];
}

export interface MessagesInOptions {
  readonly includeDeleted?: boolean;
  readonly includeEphemeral?: boolean;
}

export interface BotIdleOptions {
  /** The bot's messages must not change for this long (default 500 ms). */
  readonly idleMs?: number;
  /** Upper bound for the wait (default 10000 ms). */
  readonly timeoutMs?: number;
  /** Wait until at least this many bot messages exist (default 1). */
  readonly atLeast?: number;
}

const liveFakes = new Set<FakeDiscord>();

/**
 * Throw if any fake started in this process recorded a violation since the last check. Use in `afterEach`; fakes
 * that were closed are forgotten after being checked.
 */
export function assertNoViolations(): void {
  const fakes = [...liveFakes];
  for (const fake of fakes) if (fake.closed) liveFakes.delete(fake);
  for (const fake of fakes) fake.assertNoViolations();
}

function realisticToken(botUserId: Snowflake): string {
  const id = Buffer.from(botUserId).toString('base64url');
  const timestamp = randomBytes(4).toString('base64url');
  const hmac = randomBytes(27).toString('base64url');
  return `${id}.${timestamp}.${hmac}`;
}

export class FakeDiscord {
  readonly world: FakeWorld;
  readonly gateway: FakeGateway;
  readonly commands: CommandRegistry;
  readonly botToken: string;
  private tokenRevoked = false;
  readonly ids: FakeIds;
  private readonly rest: FakeRest;
  private readonly interactionStore: InteractionStore;
  private readonly cdn: FakeCdn;
  private readonly violationLog: Violation[] = [];
  private readonly server: Server;
  private port = 0;
  closed = false;

  constructor(options: FakeDiscordOptions = {}) {
    const privileged = options.privilegedIntents ?? { messageContent: true };
    this.gateway = new FakeGateway(
      {
        botToken: () => this.botToken,
        heartbeatIntervalMs: options.heartbeatIntervalMs ?? 41_250,
        allowedPrivilegedIntents:
          (privileged.messageContent ? GatewayIntentBits.MessageContent : 0) |
          (privileged.guildMembers ? GatewayIntentBits.GuildMembers : 0) |
          (privileged.guildPresences ? GatewayIntentBits.GuildPresences : 0),
        gatewayPath: '/gateway',
        resumePath: '/gateway-resume',
        baseUrl: () => this.url,
        onViolation: (message) => this.recordViolation({ kind: 'gateway', route: 'gateway', message }),
      },
      () => this.world,
    );
    this.world = new FakeWorld(
      { botUsername: options.botUsername ?? 'FakeBot', guildCount: options.guildCount ?? 1 },
      this.gateway,
    );
    this.botToken = options.botToken ?? realisticToken(this.world.bot.id);
    this.commands = new CommandRegistry(this.world.applicationId, this.world.ids);
    this.cdn = new FakeCdn({
      baseUrl: () => this.url,
      ids: this.world.ids,
      defaultChannelId: () => this.world.firstGuild.textChannelId,
      spec: discordSpec(),
      onViolation: (message) => this.recordViolation({ kind: 'invalid-response', route: 'cdn', message }),
      ...(options.attachmentUrlLifetimeMs !== undefined ? { urlLifetimeMs: options.attachmentUrlLifetimeMs } : {}),
    });
    this.interactionStore = new InteractionStore(
      this.world,
      this.commands,
      this.gateway,
      {
        responseDeadlineMs: options.interactionResponseDeadlineMs ?? 3_000,
        tokenLifetimeMs: options.interactionTokenLifetimeMs ?? 15 * 60_000,
      },
      (id) => this.cdn.attachment(id),
    );
    this.rest = new FakeRest({
      world: this.world,
      interactions: this.interactionStore,
      commands: this.commands,
      rateLimiter: new RateLimiter({ ...DEFAULT_RATE_LIMITS, ...options.rateLimits }),
      spec: discordSpec(),
      botToken: this.botToken,
      tokenRevoked: () => this.tokenRevoked,
      gatewayUrl: () => this.gateway.gatewayUrl,
      recommendedShards: options.recommendedShards ?? 1,
      baseUrl: () => this.url,
      rejectInvalidRequestBodies: options.rejectInvalidRequestBodies ?? true,
      validateResponses: options.validateResponses ?? true,
      latencyMs: options.latencyMs ?? 0,
      recordViolation: (violation) => this.recordViolation(violation),
    });
    const guild = this.world.firstGuild;
    this.ids = {
      applicationId: this.world.applicationId,
      botUserId: this.world.bot.id,
      guildId: guild.id,
      categoryId: guild.categoryId,
      textChannelId: guild.textChannelId,
      otherTextChannelId: guild.otherTextChannelId,
      ownerUserId: this.world.ownerUser.id,
      adminUserId: this.world.adminUser.id,
      memberUserId: this.world.memberUser.id,
      everyoneRoleId: guild.everyoneRoleId,
      adminRoleId: guild.adminRoleId,
      botRoleId: guild.botRoleId,
    };
    this.server = createServer((req, res) => {
      if (this.cdn.handles(new URL(req.url ?? '/', 'http://fake.discord').pathname)) this.cdn.handle(req, res);
      else void this.rest.handle(req, res);
    });
    this.server.on('upgrade', (req, socket, head) => {
      const pathname = new URL(req.url ?? '/', 'http://fake.discord').pathname;
      if (this.gateway.handles(pathname)) {
        this.gateway.handleUpgrade(req, socket, head);
      } else {
        this.recordViolation({
          kind: 'gateway',
          route: 'gateway',
          message: `websocket upgrade on unknown path ${pathname}`,
        });
        socket.destroy();
      }
    });
  }

  /** @internal use startFakeDiscord() */
  async listen(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '127.0.0.1', () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    this.port = (this.server.address() as AddressInfo).port;
    liveFakes.add(this);
  }

  /** `http://127.0.0.1:PORT`; discord.js wants `rest: { api: `${fake.url}/api` }`. */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get apiUrl(): string {
    return `${this.url}/api`;
  }

  get gatewayUrl(): string {
    return this.gateway.gatewayUrl;
  }

  // -------------------------------------------------------------------------------------------------------------
  // Records

  /** Every REST request, in arrival order. */
  get requests(): readonly RecordedRequest[] {
    return this.rest.requests;
  }

  /** Requests to one route, e.g. `requestsTo('PATCH /channels/{channel_id}/messages/{message_id}')`. */
  requestsTo(route: string): RecordedRequest[] {
    return this.rest.requests.filter((r) => r.route === route);
  }

  get violations(): readonly Violation[] {
    return this.violationLog;
  }

  /** Every 429 the fake answered. */
  get rateLimitHits(): readonly RateLimitHit[] {
    return this.rest.rateLimitHits;
  }

  /** Every request to the fake's CDN (attachment downloads), in arrival order. */
  get cdnDownloads(): readonly CdnDownload[] {
    return this.cdn.downloads;
  }

  /** Fail the next matching REST requests (5xx, 10008, 30046, 50083, 403…); see restFaults.ts. */
  failRest(...faults: readonly RestFault[]): void {
    this.rest.faults.add(...faults);
  }

  /** Message id → arrival times (ms) of every edit request for it (PATCH, failed ones included), in order. */
  editArrivals(): Map<Snowflake, number[]> {
    const arrivals = new Map<Snowflake, number[]>();
    for (const request of this.requestsTo('PATCH /channels/{channel_id}/messages/{message_id}')) {
      const id = request.params.message_id ?? '';
      arrivals.set(id, [...(arrivals.get(id) ?? []), request.at]);
    }
    return arrivals;
  }

  get typing(): readonly TypingRecord[] {
    return this.rest.typing;
  }

  get threads(): ThreadRecord[] {
    return this.world.threadRecords();
  }

  /** Users, roles and @everyone that messages of the bot pinged (under their allowed_mentions). */
  get pings(): readonly Ping[] {
    return this.world.pings;
  }

  get identifies(): readonly IdentifyRecord[] {
    return this.gateway.identifies;
  }

  get resumes(): readonly ResumeRecord[] {
    return this.gateway.resumes;
  }

  get gatewayConnections(): readonly ConnectionRecord[] {
    return this.gateway.connectionLog;
  }

  get dispatches(): readonly DispatchRecord[] {
    return this.gateway.dispatches;
  }

  get interactions(): InteractionHandle[] {
    return [...this.interactionStore.byId.values()].map((record) => new InteractionHandle(record, this.world));
  }

  message(messageId: Snowflake): MessageRecord | undefined {
    return this.world.messages.get(messageId);
  }

  /** Messages of a channel or thread, oldest first (ephemeral included, deleted excluded by default). */
  messagesIn(channelId: Snowflake, options: MessagesInOptions = {}): MessageRecord[] {
    return [...this.world.messages.values()]
      .filter((m) => m.channelId === channelId)
      .filter((m) => options.includeDeleted === true || m.deletedAt === null)
      .filter((m) => options.includeEphemeral !== false || !m.ephemeral)
      .sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : 1));
  }

  botMessagesIn(channelId: Snowflake, options: MessagesInOptions = {}): MessageRecord[] {
    return this.messagesIn(channelId, options).filter((m) => m.authorId === this.world.bot.id);
  }

  /** Every version of a message (content and time), oldest first. */
  messageHistory(messageId: Snowflake): readonly MessageVersion[] {
    const record = this.world.messages.get(messageId);
    if (!record) throw new Error(`no message ${messageId}`);
    return record.versions;
  }

  // -------------------------------------------------------------------------------------------------------------
  // Acting as Discord users

  /** A member posts a message (dispatched as MESSAGE_CREATE). */
  sendMessage(input: SendMessageInput): MessageRecord {
    const botMention = `<@${this.world.bot.id}>`;
    const mentionsAlready = input.content.includes(botMention) || input.content.includes(`<@!${this.world.bot.id}>`);
    const content = input.mentionsBot && !mentionsAlready ? `${botMention} ${input.content}` : input.content;
    const channelId = input.channelId ?? this.ids.textChannelId;
    return this.world.createMessage(
      {
        channelId,
        authorId: input.authorId ?? this.ids.memberUserId,
        source: 'member',
        content,
        ...(input.replyToMessageId
          ? { messageReference: { message_id: input.replyToMessageId, channel_id: channelId } }
          : {}),
        ...(input.attachments ? { attachments: input.attachments } : {}),
      },
      input.at,
    );
  }

  /**
   * Dispatch MESSAGE_CREATE again for a message that exists, as a RESUME replay can deliver an event the bot also
   * fetched over REST (for de-duplication tests).
   */
  redeliverMessage(messageId: Snowflake): void {
    this.world.redispatchMessageCreate(messageId);
  }

  /**
   * A member uploads a file: the bytes go to the fake's CDN and the attachment object comes back, to pass to
   * `sendMessage({ attachments })` or, uploaded with `ephemeral: true`, as a slash command's attachment option
   * (`runSlashCommand({ options: { file: attachment.id } })`).
   */
  uploadAttachment(input: AttachmentUpload): Promise<APIAttachment> {
    return this.cdn.upload(input);
  }

  /** Expire every attachment URL handed out so far (the CDN then answers 404, as Discord's does after ~24 h). */
  expireAttachmentUrls(): void {
    this.cdn.expireAll();
  }

  /** A member runs a slash command (dispatched as INTERACTION_CREATE); await the returned handle for the answer. */
  runSlashCommand(input: RunSlashCommandInput): InteractionHandle {
    return new InteractionHandle(this.interactionStore.create(input), this.world);
  }

  /** A member presses a button on a message (INTERACTION_CREATE type 3); await the handle for the answer. */
  pressButton(input: PressButtonInput): InteractionHandle {
    return new InteractionHandle(this.interactionStore.press(input), this.world);
  }

  /** The author edits their message's text (dispatched as MESSAGE_UPDATE). */
  editMessageAsMember(messageId: Snowflake, content: string): MessageRecord {
    const record = this.memberMessage(messageId);
    return this.world.editMessage(record, { content });
  }

  /** Discord resolves a link preview on a message: an update with embeds and the same text (MESSAGE_UPDATE). */
  resolveEmbeds(messageId: Snowflake): MessageRecord {
    const record = this.memberMessage(messageId);
    return this.world.editMessage(record, {
      embeds: [{ type: EmbedType.Link, url: 'https://example.com/', title: 'Example' }],
    });
  }

  /** A member (the author by default, or someone with Manage Messages) deletes a message (MESSAGE_DELETE). */
  deleteMessageAsMember(messageId: Snowflake, byUserId?: Snowflake): void {
    const record = this.world.messages.get(messageId);
    if (!record) throw new Error(`no message ${messageId}`);
    this.world.deleteMessage(record, byUserId ?? record.authorId);
  }

  private memberMessage(messageId: Snowflake): MessageRecord {
    const record = this.world.messages.get(messageId);
    if (record?.source !== 'member') throw new Error(`no member message ${messageId}`);
    return record;
  }

  /** A member creates a thread (dispatched as THREAD_CREATE). */
  createThreadAsMember(input: CreateThreadAsMemberInput): ThreadRecord {
    const thread = this.world.createThread(
      {
        parentId: input.parentId ?? this.ids.textChannelId,
        name: input.name,
        ownerId: input.ownerId ?? this.ids.memberUserId,
        type: input.type ?? ChannelType.PublicThread,
        fromMessageId: input.fromMessageId ?? null,
      },
      input.at,
    );
    const record = this.threads.find((t) => t.id === thread.id);
    if (!record) throw new Error('thread vanished');
    return record;
  }

  /** An admin adds a forum channel to the first guild (CHANNEL_CREATE); `tags` are the tags posts may carry. */
  addForum(name: string, tags: readonly string[] = []): FakeChannel {
    return this.world.addForumChannel(this.ids.guildId, name, tags);
  }

  /** A member posts in a forum: THREAD_CREATE for the post (named by its title), then its starter message. */
  postInForum(input: ForumPostInput): { threadId: Snowflake; starter: MessageRecord } {
    const mention = `<@${this.world.bot.id}>`;
    const { thread, starter } = this.world.createForumPost({
      forumId: input.forumId,
      authorId: input.authorId ?? this.ids.memberUserId,
      title: input.title,
      content: input.mentionsBot ? `${mention} ${input.content}` : input.content,
      ...(input.appliedTags ? { appliedTags: input.appliedTags } : {}),
      ...(input.attachments ? { attachments: input.attachments } : {}),
    });
    return { threadId: thread.id, starter };
  }

  /** A user writes to the bot in their DM channel (MESSAGE_CREATE without guild_id, Direct Messages intent). */
  sendDirectMessage(input: DirectMessageInput): MessageRecord {
    const authorId = input.authorId ?? this.ids.memberUserId;
    const channelId = this.world.dmChannel(authorId).id;
    return this.world.createMessage({
      channelId,
      authorId,
      source: 'member',
      content: input.content,
      ...(input.attachments ? { attachments: input.attachments } : {}),
    });
  }

  /** The DM channel between the bot and a user. */
  dmChannelId(userId: Snowflake = this.ids.memberUserId): Snowflake {
    return this.world.dmChannel(userId).id;
  }

  /** A member renames a thread (its owner, or anyone with Manage Threads), dispatched as THREAD_UPDATE. */
  renameThreadAsMember(threadId: Snowflake, name: string, userId: Snowflake = this.ids.adminUserId): void {
    this.world.renameThread(threadId, name, userId);
  }

  /** Archive (and optionally lock) a thread, as auto-archiving or a moderator would (THREAD_UPDATE). */
  archiveThread(threadId: Snowflake, options: { locked?: boolean } = {}): void {
    this.world.setThreadArchived(threadId, true, options.locked ?? false);
  }

  /** Add a user to every guild; `admin` gives the Admin role (Manage Server). */
  addMember(input: { username: string; globalName?: string; admin?: boolean }): FakeUser {
    const user = this.world.addUser({ username: input.username, globalName: input.globalName ?? null, bot: false });
    for (const guild of this.world.guilds.values()) {
      this.world.addMember(guild.id, user.id, input.admin ? [guild.adminRoleId] : []);
    }
    return user;
  }

  /** Replace the permissions of the bot's role in every guild (e.g. to test Missing Permissions). */
  setBotRolePermissions(permissions: bigint): void {
    for (const guild of this.world.guilds.values()) {
      const role = this.world.roles.get(guild.botRoleId);
      if (role) role.permissions = permissions;
    }
  }

  // -------------------------------------------------------------------------------------------------------------
  // Gateway control

  /** Revoke the bot token (as resetting it in the developer portal does): every later bot request gets 401. */
  revokeBotToken(): void {
    this.tokenRevoked = true;
  }

  /** Close gateway connections from the server (default code 4000: discord.js resumes). */
  disconnectGateway(options: { code?: number; reason?: string; invalidateSessions?: boolean } = {}): void {
    this.gateway.disconnect(options);
  }

  /** Drop gateway TCP connections without a close frame. */
  killGateway(): void {
    this.gateway.kill();
  }

  /** A gateway outage: new gateway connections hang unanswered until `releaseGateway()` (with `killGateway()`). */
  holdGateway(): void {
    this.gateway.hold();
  }

  releaseGateway(): void {
    this.gateway.release();
  }

  // -------------------------------------------------------------------------------------------------------------
  // Waiting

  waitFor<T>(predicate: () => T | Promise<T>, timeoutMsOrOptions?: number | WaitOptions): Promise<NonNullable<T>> {
    return waitFor(predicate, timeoutMsOrOptions);
  }

  /** Wait for a thread matching the filter (e.g. the one the bot starts from a member's message). */
  async waitForThread(
    filter: {
      readonly fromMessageId?: Snowflake;
      readonly parentId?: Snowflake;
      readonly name?: string;
      readonly ownerId?: Snowflake;
    } = {},
    timeoutMs = 5_000,
  ): Promise<ThreadRecord> {
    return waitFor(
      () =>
        this.threads.find(
          (t) =>
            (filter.fromMessageId === undefined || t.fromMessageId === filter.fromMessageId) &&
            (filter.parentId === undefined || t.parentId === filter.parentId) &&
            (filter.name === undefined || t.name === filter.name) &&
            (filter.ownerId === undefined || t.ownerId === filter.ownerId),
        ),
      { timeoutMs, description: `a thread matching ${JSON.stringify(filter)}` },
    );
  }

  /** Wait until the bot's messages in a channel stop changing for `idleMs`; returns them (oldest first). */
  async waitForBotMessageIdle(channelId: Snowflake, options: BotIdleOptions = {}): Promise<MessageRecord[]> {
    const idleMs = options.idleMs ?? 500;
    const atLeast = options.atLeast ?? 1;
    const lastChange = (): number =>
      Math.max(
        0,
        ...this.botMessagesIn(channelId, { includeDeleted: true }).map((m) =>
          Math.max(m.versions[m.versions.length - 1]?.at ?? m.createdAt, m.deletedAt ?? 0),
        ),
      );
    await waitFor(() => this.botMessagesIn(channelId).length >= atLeast && Date.now() - lastChange() >= idleMs, {
      timeoutMs: options.timeoutMs ?? 10_000,
      intervalMs: 20,
      description: `the bot's messages in ${channelId} to settle (${this.botMessagesIn(channelId).length} so far)`,
    });
    return this.botMessagesIn(channelId);
  }

  // -------------------------------------------------------------------------------------------------------------
  // Violations

  private recordViolation(violation: Omit<Violation, 'at'>): void {
    this.violationLog.push({ at: Date.now(), ...violation });
  }

  /** Return the recorded violations and forget them (for tests that provoke violations on purpose). */
  takeViolations(): Violation[] {
    return this.violationLog.splice(0, this.violationLog.length);
  }

  assertNoViolations(): void {
    if (this.violationLog.length === 0) return;
    const list = this.takeViolations()
      .map((v) => `  - [${v.kind}] ${v.message}`)
      .join('\n');
    throw new Error(`fake Discord recorded spec violations:\n${list}`);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const stillConnected = await this.gateway.close();
    if (stillConnected > 0) {
      this.recordViolation({
        kind: 'gateway',
        route: 'gateway',
        message: `the fake was closed while ${stillConnected} gateway client(s) were still connected: destroy the discord.js client first`,
      });
    }
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** Start a fake Discord on 127.0.0.1 (random port). The Discord spec is loaded once per process. */
export async function startFakeDiscord(options: FakeDiscordOptions = {}): Promise<FakeDiscord> {
  const fake = new FakeDiscord(options);
  await fake.listen();
  return fake;
}
