/**
 * The fake REST API (`/api/v10/...`): every request is matched against Discord's OpenAPI description, checked
 * (auth, path parameters, query, body), rate limited, handled against the world, and its response checked against
 * the spec too. Everything is recorded; departures from the spec become violations.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Snowflake } from 'discord-api-types/globals';
import {
  APIVersion,
  ChannelType,
  MessageFlags,
  PermissionFlagsBits,
  type ThreadAutoArchiveDuration,
} from 'discord-api-types/v10';
import type {
  APIAttachment,
  APIInteractionResponse,
  APIAllowedMentions,
  RESTGetAPIGatewayBotResult,
  RESTPatchAPIChannelJSONBody,
  RESTPatchAPIChannelMessageJSONBody,
  RESTPatchAPIWebhookWithTokenMessageJSONBody,
  RESTPostAPIApplicationCommandsJSONBody,
  RESTPostAPIChannelMessageJSONBody,
  RESTPostAPIChannelMessagesThreadsJSONBody,
  RESTPostAPIChannelThreadsJSONBody,
  RESTPostAPIWebhookWithTokenJSONBody,
  RESTPutAPIApplicationCommandsJSONBody,
  APIUser,
} from 'discord-api-types/v10';
import type { CommandRegistry, CommandScope } from './commands.js';
import { checkThreadName } from './surfaces.js';
import { DiscordApiError, discordErrors, invalidFormBodyFromIssues, rateLimited } from './errors.js';
import type { DiscordErrorBody } from './errors.js';
import type { InteractionStore } from './interactions.js';
import type { RateLimitHit, RateLimiter } from './rateLimits.js';
import { RestFaults } from './restFaults.js';
import { specException } from './specExceptions.js';
import type { DiscordSpec, SchemaIssue, SpecOperation } from './specValidator.js';
import type { FakeWorld } from './world.js';

export interface RecordedFile {
  readonly field: string;
  readonly filename: string;
  readonly contentType: string;
  readonly size: number;
}

export interface RecordedRequest {
  readonly seq: number;
  readonly at: number;
  readonly method: string;
  /** Path as received (percent-encoded), without the query. */
  readonly path: string;
  /** `METHOD /template` of the matched spec operation, e.g. `POST /channels/{channel_id}/messages`; null if unmatched. */
  readonly route: string | null;
  readonly params: Readonly<Record<string, string>>;
  readonly query: Readonly<Record<string, string>>;
  readonly contentType: string | null;
  /** Parsed JSON body (multipart: the parsed `payload_json`), or undefined. */
  readonly body: unknown;
  readonly files: readonly RecordedFile[];
  /** `allowed_mentions` of the body: undefined when absent (Discord then parses all mentions). */
  readonly allowedMentions: APIAllowedMentions | null | undefined;
  readonly authorized: boolean;
  status: number;
  responseBody: unknown;
  durationMs: number;
}

type MutableRecordedRequest = { -readonly [K in keyof RecordedRequest]: RecordedRequest[K] } & {
  params: Record<string, string>;
  files: RecordedFile[];
};

export type ViolationKind =
  | 'unknown-route'
  | 'method-not-allowed'
  | 'not-implemented'
  | 'api-version'
  | 'unauthorized'
  | 'invalid-path-param'
  | 'invalid-query'
  | 'invalid-request-body'
  | 'invalid-response'
  | 'gateway'
  | 'fake-error';

export interface Violation {
  readonly at: number;
  readonly kind: ViolationKind;
  /** `METHOD /template` (or the raw path when no operation matched). */
  readonly route: string;
  /** JSON pointer into the offending value (request body, response body, `/path/...`, `/query/...`). */
  readonly pointer?: string;
  /** The violated rule (JSON Schema keyword such as `maxLength`, `required`), when there is one. */
  readonly rule?: string;
  readonly message: string;
}

export interface TypingRecord {
  readonly channelId: Snowflake;
  readonly at: number;
}

export interface RestDependencies {
  readonly world: FakeWorld;
  readonly interactions: InteractionStore;
  readonly commands: CommandRegistry;
  readonly rateLimiter: RateLimiter;
  readonly spec: DiscordSpec;
  readonly botToken: string;
  /** True once the test revoked the token (as a reset in the developer portal does): every bot request gets 401. */
  readonly tokenRevoked: () => boolean;
  readonly gatewayUrl: () => string;
  /** What GET /gateway/bot recommends (DISCORD_SHARDS=auto asks for it). */
  readonly recommendedShards: number;
  readonly baseUrl: () => string;
  readonly rejectInvalidRequestBodies: boolean;
  readonly validateResponses: boolean;
  readonly latencyMs: number;
  readonly recordViolation: (violation: Omit<Violation, 'at'>) => void;
}

interface RouteContext {
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  readonly body: unknown;
  readonly files: readonly RecordedFile[];
  readonly now: number;
}

interface RouteResult {
  readonly status: number;
  readonly body?: unknown;
}

type RouteHandler = (ctx: RouteContext) => RouteResult;

const ok = (body: unknown): RouteResult => ({ status: 200, body });
const noContent: RouteResult = { status: 204 };
const MAX_BODY_BYTES = 30 * 1024 * 1024;

export class FakeRest {
  readonly requests: RecordedRequest[] = [];
  readonly rateLimitHits: RateLimitHit[] = [];
  readonly typing: TypingRecord[] = [];
  readonly faults = new RestFaults();
  private readonly routes: ReadonlyMap<string, RouteHandler>;

  constructor(private readonly deps: RestDependencies) {
    this.routes = this.buildRoutes();
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = Date.now();
    const url = new URL(req.url ?? '/', 'http://fake.discord');
    const method = (req.method ?? 'GET').toUpperCase();
    let raw: Buffer;
    try {
      raw = await readBody(req);
    } catch {
      res.writeHead(413).end();
      return;
    }
    const record: MutableRecordedRequest = {
      seq: this.requests.length + 1,
      at: started,
      method,
      path: url.pathname,
      route: null,
      params: {},
      query: Object.fromEntries(url.searchParams),
      contentType: req.headers['content-type'] ?? null,
      body: undefined,
      files: [],
      allowedMentions: undefined,
      authorized: req.headers.authorization === `Bot ${this.deps.botToken}`,
      status: 0,
      responseBody: undefined,
      durationMs: 0,
    };
    this.requests.push(record);

    let status: number;
    let body: unknown;
    let headers: Record<string, string> = {};
    let operation: SpecOperation | undefined;
    try {
      const outcome = await this.process(req, url, method, raw, record);
      operation = outcome.operation;
      headers = outcome.headers;
      status = outcome.result.status;
      body = outcome.result.body;
    } catch (error) {
      if (error instanceof RoutedError) {
        operation = error.operation;
        headers = error.headers;
        status = error.inner.status;
        body = error.inner.body;
      } else if (error instanceof DiscordApiError) {
        status = error.status;
        body = error.body;
      } else {
        status = 500;
        body = { code: 0, message: '500: Internal Server Error' } satisfies DiscordErrorBody;
        this.deps.recordViolation({
          kind: 'fake-error',
          route: record.route ?? `${method} ${url.pathname}`,
          message: `the fake threw: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
        });
      }
    }

    if (operation && this.deps.validateResponses) {
      for (const issue of this.deps.spec.validateResponse(operation, status, body)) {
        this.violation('invalid-response', `${operation.method} ${operation.template}`, issue, `response ${status}`);
      }
    }
    if (this.deps.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, this.deps.latencyMs));
    record.status = status;
    record.responseBody = body;
    record.durationMs = Date.now() - started;
    if (body === undefined) {
      res.writeHead(status, headers).end();
    } else {
      res.writeHead(status, { ...headers, 'Content-Type': 'application/json' }).end(JSON.stringify(body));
    }
  }

  private violation(kind: ViolationKind, route: string, issue: SchemaIssue, where: string): void {
    this.deps.recordViolation({
      kind,
      route,
      pointer: issue.pointer,
      rule: issue.rule,
      message: `${route}: ${where} ${issue.pointer || '(root)'} ${issue.message} (${issue.rule})`,
    });
  }

  private async process(
    req: IncomingMessage,
    url: URL,
    method: string,
    raw: Buffer,
    record: MutableRecordedRequest,
  ): Promise<{ operation: SpecOperation; headers: Record<string, string>; result: RouteResult }> {
    const deps = this.deps;
    const rawPath = `${method} ${url.pathname}`;
    const segments = url.pathname.split('/').slice(1);
    if (segments[0] !== 'api') {
      deps.recordViolation({ kind: 'unknown-route', route: rawPath, message: `${rawPath}: not under /api` });
      throw discordErrors.notFound();
    }
    segments.shift();
    const version = /^v(\d+)$/.exec(segments[0] ?? '');
    if (version) segments.shift();
    if (!version || version[1] !== APIVersion) {
      deps.recordViolation({
        kind: 'api-version',
        route: rawPath,
        message: `${rawPath}: expected /api/v${APIVersion}`,
      });
    }
    specException('percent-encoded-original');
    let decoded: string[];
    try {
      decoded = segments.map((s) => decodeURIComponent(s));
    } catch {
      deps.recordViolation({
        kind: 'unknown-route',
        route: rawPath,
        message: `${rawPath}: path is not valid percent-encoding`,
      });
      throw discordErrors.notFound();
    }
    const match = deps.spec.match(method, decoded);
    if (match.kind === 'unknown-path') {
      deps.recordViolation({
        kind: 'unknown-route',
        route: rawPath,
        message: `${rawPath}: no such route in Discord's API spec`,
      });
      throw discordErrors.notFound();
    }
    if (match.kind === 'method-not-allowed') {
      const route = `${method} ${match.template}`;
      const message = `${route}: method not in the spec (allowed: ${match.allowed.join(', ')})`;
      deps.recordViolation({ kind: 'method-not-allowed', route, message });
      throw discordErrors.methodNotAllowed();
    }
    const { operation, params } = match;
    const route = `${operation.method} ${operation.template}`;
    record.route = route;
    Object.assign(record.params, params);
    const fail = (error: DiscordApiError, headers: Record<string, string> = {}): RoutedError =>
      new RoutedError(operation, error, headers);

    // Authentication
    if (deps.tokenRevoked() && req.headers.authorization !== undefined) throw fail(discordErrors.unauthorized());
    if (!record.authorized && (!operation.allowsNoAuth || req.headers.authorization !== undefined)) {
      deps.recordViolation({
        kind: 'unauthorized',
        route,
        message: `${route}: missing or wrong "Authorization: Bot <token>" header`,
      });
      throw fail(discordErrors.unauthorized());
    }

    // Path parameters
    const pathIssues = deps.spec.validatePathParams(operation, params);
    if (pathIssues.length > 0) {
      for (const issue of pathIssues) this.violation('invalid-path-param', route, issue, 'path parameter');
      throw fail(
        invalidFormBodyFromIssues(pathIssues.map((i) => ({ ...i, pointer: i.pointer.replace(/^\/path/, '') }))),
      );
    }

    // Rate limits
    const limit = deps.rateLimiter.check({
      method,
      template: operation.template,
      params,
      usesBotToken: record.authorized,
    });
    if (limit.limited) {
      this.rateLimitHits.push({
        at: Date.now(),
        method,
        route,
        path: url.pathname,
        bucket: limit.bucket,
        global: limit.global,
        scope: limit.global ? 'global' : 'user',
        retryAfterMs: limit.retryAfterMs,
      });
      throw fail(rateLimited(limit.retryAfterMs, limit.global), { ...limit.headers });
    }
    const headers = { ...limit.headers };
    const injected = this.faults.take(route, params);
    if (injected) throw fail(injected, headers);

    // Body
    const contentType = (req.headers['content-type'] ?? '').toLowerCase();
    let body: unknown;
    if (raw.length > 0) {
      if (contentType.startsWith('application/json')) {
        try {
          body = JSON.parse(raw.toString('utf8'));
        } catch {
          deps.recordViolation({
            kind: 'invalid-request-body',
            route,
            message: `${route}: request body is not valid JSON`,
          });
          throw fail(discordErrors.invalidJson(), headers);
        }
      } else if (contentType.startsWith('multipart/form-data')) {
        const form = await new Request('http://fake.discord/upload', {
          method: 'POST',
          headers: { 'content-type': req.headers['content-type'] ?? '' },
          body: raw,
        }).formData();
        for (const [field, value] of form.entries()) {
          if (typeof value === 'string') {
            if (field === 'payload_json') {
              try {
                body = JSON.parse(value);
              } catch {
                deps.recordViolation({
                  kind: 'invalid-request-body',
                  route,
                  message: `${route}: payload_json is not valid JSON`,
                });
                throw fail(discordErrors.invalidJson(), headers);
              }
            }
          } else {
            record.files.push({ field, filename: value.name, contentType: value.type, size: value.size });
          }
        }
      } else {
        deps.recordViolation({
          kind: 'invalid-request-body',
          route,
          message: `${route}: unsupported content-type "${contentType}"`,
        });
        throw fail(discordErrors.invalidJson(), headers);
      }
    }
    record.body = body;
    if (body !== null && typeof body === 'object' && !Array.isArray(body)) {
      const mentions = body as {
        allowed_mentions?: APIAllowedMentions | null;
        data?: { allowed_mentions?: APIAllowedMentions | null };
      };
      record.allowedMentions =
        'allowed_mentions' in mentions ? mentions.allowed_mentions : mentions.data?.allowed_mentions;
    }

    for (const issue of deps.spec.validateQuery(operation, url.searchParams))
      this.violation('invalid-query', route, issue, 'query');
    const bodyIssues = deps.spec.validateRequestBody(operation, body);
    if (bodyIssues.length > 0) {
      for (const issue of bodyIssues) this.violation('invalid-request-body', route, issue, 'request body');
      if (deps.rejectInvalidRequestBodies) throw fail(invalidFormBodyFromIssues(bodyIssues), headers);
    }

    const handler = this.routes.get(route);
    if (!handler) {
      deps.recordViolation({
        kind: 'not-implemented',
        route,
        message: `${route}: documented by Discord but not implemented by the fake`,
      });
      throw fail(discordErrors.notFound(), headers);
    }
    try {
      const result = handler({ params, query: url.searchParams, body, files: record.files, now: record.at }); // arrival time: schema compilation inside the fake must not eat the 3 s interaction window
      return { operation, headers, result };
    } catch (error) {
      if (error instanceof DiscordApiError) throw fail(error, headers);
      throw error;
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Routes

  private buildRoutes(): Map<string, RouteHandler> {
    const { world, interactions, commands } = this.deps;
    const routes = new Map<string, RouteHandler>();
    const on = (route: string, handler: RouteHandler): void => {
      routes.set(route, handler);
    };
    const param = (ctx: RouteContext, name: string): string => ctx.params[name] ?? '';
    const visibleMessage = (channelId: Snowflake, messageId: Snowflake) => {
      const record = world.message(channelId, messageId);
      if (record.ephemeral) throw discordErrors.unknownMessage();
      return record;
    };
    const attachmentsFrom = (ctx: RouteContext): APIAttachment[] =>
      ctx.files.map((file) => {
        const id = world.ids.next(ctx.now);
        return {
          id,
          filename: file.filename,
          size: file.size,
          content_type: file.contentType,
          url: `${this.deps.baseUrl()}/attachments/${id}/${encodeURIComponent(file.filename)}`,
          proxy_url: `${this.deps.baseUrl()}/attachments/${id}/${encodeURIComponent(file.filename)}`,
        };
      });
    const checkApplication = (ctx: RouteContext): void => {
      if (param(ctx, 'application_id') !== world.applicationId) throw discordErrors.unknownApplication();
    };

    on('GET /gateway', () => ok({ url: this.deps.gatewayUrl() }));
    on('GET /gateway/bot', () => {
      const result: RESTGetAPIGatewayBotResult = {
        url: this.deps.gatewayUrl(),
        shards: this.deps.recommendedShards,
        session_start_limit: { total: 1000, remaining: 999, reset_after: 14_400_000, max_concurrency: 1 },
      };
      return ok(result);
    });
    on('GET /users/@me', () => {
      const me: APIUser = {
        ...world.apiUser(world.bot.id),
        mfa_enabled: false,
        locale: 'en-US',
        verified: true,
        email: null,
        premium_type: 0,
      };
      return ok(me);
    });
    on('GET /users/{user_id}', (ctx) => ok(world.apiUser(param(ctx, 'user_id'))));
    on('GET /applications/@me', () =>
      ok({
        ...world.apiApplication(),
        // Sent by Discord and required by the spec, though discord-api-types does not type them.
        type: null,
        explicit_content_filter: 0,
        eligible_oauth2_scopes: ['applications.commands', 'bot'],
      }),
    );

    // Guilds
    on('GET /guilds/{guild_id}', (ctx) => {
      const guildId = param(ctx, 'guild_id');
      const withCounts = ctx.query.get('with_counts') === 'true';
      return ok({
        ...world.apiGuild(guildId),
        // Sent by Discord and required by the spec, though discord-api-types does not type them.
        nsfw: false,
        home_header: null,
        ...(withCounts
          ? { approximate_member_count: world.guildMembers(guildId).length, approximate_presence_count: 0 }
          : {}),
      });
    });
    on('GET /guilds/{guild_id}/members/{user_id}', (ctx) =>
      ok(world.apiMember(world.guild(param(ctx, 'guild_id')).id, param(ctx, 'user_id'))),
    );
    on('GET /guilds/{guild_id}/channels', (ctx) =>
      ok(
        world
          .guildChannels(world.guild(param(ctx, 'guild_id')).id)
          .filter((c) => !world.isThread(c))
          .map((c) => world.apiChannel(c.id)),
      ),
    );
    on('GET /guilds/{guild_id}/roles', (ctx) =>
      ok(world.guildRoles(world.guild(param(ctx, 'guild_id')).id).map((r) => world.apiRole(r))),
    );

    // Channels
    on('GET /channels/{channel_id}', (ctx) => ok(world.apiChannel(param(ctx, 'channel_id'))));
    on('PATCH /channels/{channel_id}', (ctx) => {
      const channel = world.channel(param(ctx, 'channel_id'));
      const body = (ctx.body ?? {}) as RESTPatchAPIChannelJSONBody & { archived?: boolean; locked?: boolean };
      if (world.isThread(channel)) {
        const guildId = world.guildIdOf(channel);
        if (channel.thread.ownerId !== world.bot.id && !world.botCan(guildId, PermissionFlagsBits.ManageThreads)) {
          throw discordErrors.missingPermissions();
        }
        // An archived thread can only be changed by a request that unarchives it.
        if (channel.thread.archived && body.archived !== false) throw discordErrors.threadArchived();
        if (body.archived !== undefined || body.locked !== undefined) {
          world.setThreadArchived(
            channel.id,
            body.archived ?? channel.thread.archived,
            body.locked ?? channel.thread.locked,
            ctx.now,
          );
        }
        if (typeof body.name === 'string') world.renameThread(channel.id, body.name, world.bot.id);
        const duration = body.auto_archive_duration as ThreadAutoArchiveDuration | undefined;
        if (duration) channel.thread.autoArchiveDuration = duration;
      } else {
        if (typeof body.name === 'string') channel.name = checkThreadName(body.name);
        if ('topic' in body && body.topic !== undefined) channel.topic = body.topic ?? null;
      }
      return ok(world.apiChannel(channel.id));
    });
    on('POST /channels/{channel_id}/typing', (ctx) => {
      world.channel(param(ctx, 'channel_id'));
      specException('typing-204-no-json');
      this.typing.push({ channelId: param(ctx, 'channel_id'), at: ctx.now });
      return noContent;
    });

    // Messages
    on('GET /channels/{channel_id}/messages', (ctx) => {
      const channelId = world.channel(param(ctx, 'channel_id')).id;
      const limit = Math.min(100, Math.max(1, Number(ctx.query.get('limit') ?? 50)));
      const before = ctx.query.get('before');
      const after = ctx.query.get('after');
      const around = ctx.query.get('around');
      let list = [...world.messages.values()]
        .filter((m) => m.channelId === channelId && m.deletedAt === null && !m.ephemeral)
        .sort((a, b) => (BigInt(b.id) > BigInt(a.id) ? 1 : -1));
      if (before) list = list.filter((m) => BigInt(m.id) < BigInt(before));
      if (after) list = list.filter((m) => BigInt(m.id) > BigInt(after)).slice(-limit);
      if (around) {
        const index = list.findIndex((m) => BigInt(m.id) <= BigInt(around));
        const start = Math.max(0, (index < 0 ? list.length : index) - Math.floor(limit / 2));
        list = list.slice(start);
      }
      return ok(list.slice(0, limit).map((m) => m.current));
    });
    on('GET /channels/{channel_id}/messages/{message_id}', (ctx) =>
      ok(visibleMessage(param(ctx, 'channel_id'), param(ctx, 'message_id')).current),
    );
    on('POST /channels/{channel_id}/messages', (ctx) => {
      const body = (ctx.body ?? {}) as RESTPostAPIChannelMessageJSONBody;
      const flags = body.flags ?? 0;
      const record = world.createMessage(
        {
          channelId: param(ctx, 'channel_id'),
          authorId: world.bot.id,
          source: 'bot-rest',
          content: body.content,
          embeds: body.embeds,
          components: body.components,
          attachments: attachmentsFrom(ctx),
          flags:
            flags & (MessageFlags.SuppressEmbeds | MessageFlags.SuppressNotifications | MessageFlags.IsComponentsV2),
          allowedMentions: body.allowed_mentions,
          nonce: body.nonce,
          tts: body.tts,
          messageReference: body.message_reference ?? null,
        },
        ctx.now,
      );
      return ok(record.current);
    });
    on('PATCH /channels/{channel_id}/messages/{message_id}', (ctx) => {
      const record = visibleMessage(param(ctx, 'channel_id'), param(ctx, 'message_id'));
      if (record.authorId !== world.bot.id) {
        // Others' messages: only the SuppressEmbeds flag may be changed (with Manage Messages).
        throw discordErrors.cannotEditOtherUsersMessage();
      }
      const body = (ctx.body ?? {}) as RESTPatchAPIChannelMessageJSONBody;
      world.editMessage(
        record,
        {
          content: body.content,
          embeds: body.embeds,
          components: body.components,
          flags: body.flags,
          allowedMentions: body.allowed_mentions,
          attachments: ctx.files.length > 0 ? [...record.current.attachments, ...attachmentsFrom(ctx)] : undefined,
        },
        ctx.now,
      );
      return ok(record.current);
    });
    on('DELETE /channels/{channel_id}/messages/{message_id}', (ctx) => {
      world.deleteMessage(visibleMessage(param(ctx, 'channel_id'), param(ctx, 'message_id')), world.bot.id, ctx.now);
      return noContent;
    });

    // Threads
    on('POST /channels/{channel_id}/messages/{message_id}/threads', (ctx) => {
      const body = ctx.body as RESTPostAPIChannelMessagesThreadsJSONBody;
      const parent = world.channel(param(ctx, 'channel_id'));
      const thread = world.createThread(
        {
          parentId: parent.id,
          name: body.name,
          ownerId: world.bot.id,
          type:
            parent.type === ChannelType.GuildAnnouncement ? ChannelType.AnnouncementThread : ChannelType.PublicThread,
          fromMessageId: param(ctx, 'message_id'),
          autoArchiveDuration: body.auto_archive_duration ?? null,
          rateLimitPerUser: body.rate_limit_per_user ?? null,
        },
        ctx.now,
      );
      return { status: 201, body: world.apiThread(thread) };
    });
    on('POST /channels/{channel_id}/threads', (ctx) => {
      const body = ctx.body as RESTPostAPIChannelThreadsJSONBody;
      const type = (body.type ?? ChannelType.PrivateThread) as
        | ChannelType.PublicThread
        | ChannelType.PrivateThread
        | ChannelType.AnnouncementThread;
      const thread = world.createThread(
        {
          parentId: param(ctx, 'channel_id'),
          name: body.name,
          ownerId: world.bot.id,
          type,
          fromMessageId: null,
          autoArchiveDuration: body.auto_archive_duration ?? null,
          rateLimitPerUser: body.rate_limit_per_user ?? null,
          invitable: 'invitable' in body ? (body.invitable ?? null) : null,
        },
        ctx.now,
      );
      return { status: 201, body: world.apiThread(thread) };
    });

    // Interactions
    on('POST /interactions/{interaction_id}/{interaction_token}/callback', (ctx) => {
      const withResponse = (ctx.query.get('with_response') ?? 'false').toLowerCase() === 'true';
      const result = interactions.callback(
        param(ctx, 'interaction_id'),
        param(ctx, 'interaction_token'),
        ctx.body as APIInteractionResponse,
        withResponse,
        ctx.now,
      );
      return result.status === 204 ? noContent : ok(result.body);
    });
    const webhook = (ctx: RouteContext) =>
      interactions.forWebhook(param(ctx, 'webhook_id'), param(ctx, 'webhook_token'), ctx.now);
    on('GET /webhooks/{webhook_id}/{webhook_token}/messages/@original', (ctx) =>
      ok(interactions.getOriginal(webhook(ctx), ctx.now)),
    );
    on('PATCH /webhooks/{webhook_id}/{webhook_token}/messages/@original', (ctx) =>
      ok(
        interactions.editOriginal(
          webhook(ctx),
          (ctx.body ?? {}) as RESTPatchAPIWebhookWithTokenMessageJSONBody,
          ctx.now,
        ),
      ),
    );
    on('DELETE /webhooks/{webhook_id}/{webhook_token}/messages/@original', (ctx) => {
      interactions.deleteOriginal(webhook(ctx), ctx.now);
      return noContent;
    });
    on('POST /webhooks/{webhook_id}/{webhook_token}', (ctx) => {
      const message = interactions.createFollowUp(
        webhook(ctx),
        (ctx.body ?? {}) as RESTPostAPIWebhookWithTokenJSONBody,
        ctx.now,
      );
      return (ctx.query.get('wait') ?? 'false').toLowerCase() === 'true' ? ok(message) : noContent;
    });
    on('GET /webhooks/{webhook_id}/{webhook_token}/messages/{message_id}', (ctx) =>
      ok(interactions.getFollowUp(webhook(ctx), param(ctx, 'message_id'), ctx.now)),
    );
    on('PATCH /webhooks/{webhook_id}/{webhook_token}/messages/{message_id}', (ctx) => {
      const body = (ctx.body ?? {}) as RESTPatchAPIWebhookWithTokenMessageJSONBody;
      return ok(interactions.editFollowUp(webhook(ctx), param(ctx, 'message_id'), body, ctx.now));
    });
    on('DELETE /webhooks/{webhook_id}/{webhook_token}/messages/{message_id}', (ctx) => {
      interactions.deleteFollowUp(webhook(ctx), param(ctx, 'message_id'), ctx.now);
      return noContent;
    });

    // Application commands
    const scopeOf = (ctx: RouteContext): CommandScope => {
      checkApplication(ctx);
      const guildId = ctx.params.guild_id;
      return guildId === undefined ? 'global' : world.guild(guildId).id;
    };
    for (const base of [
      '/applications/{application_id}/commands',
      '/applications/{application_id}/guilds/{guild_id}/commands',
    ]) {
      on(`GET ${base}`, (ctx) => ok(commands.list(scopeOf(ctx))));
      on(`PUT ${base}`, (ctx) =>
        ok(commands.overwrite(scopeOf(ctx), (ctx.body ?? []) as RESTPutAPIApplicationCommandsJSONBody, ctx.now)),
      );
      on(`POST ${base}`, (ctx) => {
        const body = ctx.body as RESTPostAPIApplicationCommandsJSONBody;
        return { status: 201, body: commands.upsert(scopeOf(ctx), body, ctx.now) };
      });
    }
    return routes;
  }
}

/** A Discord error raised after the route was matched (so its response can be checked against the operation). */
class RoutedError extends Error {
  constructor(
    readonly operation: SpecOperation,
    readonly inner: DiscordApiError,
    readonly headers: Record<string, string>,
  ) {
    super(inner.message);
  }
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_BODY_BYTES) throw new Error('request body too large');
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}
