/**
 * The fake gateway: HELLO, IDENTIFY → READY + GUILD_CREATE per guild, heartbeats, RESUME with replay, dispatch of
 * events to every live session (filtered by intents and by shard: a session identified with `shard: [id, n]` sees
 * only its guilds, DMs go to shard 0; shardRouting.ts), and helpers to drop or invalidate connections in restart
 * tests. Plain JSON text frames only: discord.js without zlib-sync never asks for compression, and even when it asks
 * (query `compress=zlib-stream` or identify `compress: true`) it still parses text frames, so the request is recorded
 * and answered uncompressed.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, WebSocket } from 'ws';
import type { RawData } from 'ws';
import {
  GatewayCloseCodes,
  GatewayDispatchEvents,
  GatewayIntentBits,
  GatewayOpcodes,
  GatewayVersion,
} from 'discord-api-types/v10';
import type {
  GatewayGuildCreateDispatch,
  GatewayGuildMembersChunkDispatch,
  GatewayHeartbeatAck,
  GatewayHello,
  GatewayIdentifyData,
  GatewayInvalidSession,
  GatewayReadyDispatch,
  GatewayReconnect,
  GatewayReceivePayload,
  GatewayRequestGuildMembersData,
  GatewayResumeData,
  GatewayResumedDispatch,
} from 'discord-api-types/v10';
import type { DispatchOptions, Dispatcher, SessionView, UnsequencedDispatch } from './gatewayTypes.js';
import { ownsGuild, type ShardPair, shardReceives, validShard } from './shardRouting.js';
import type { FakeWorld } from './world.js';

const PRIVILEGED_INTENTS =
  GatewayIntentBits.GuildMembers | GatewayIntentBits.GuildPresences | GatewayIntentBits.MessageContent;
const ALL_INTENTS = Object.values(GatewayIntentBits)
  .filter((v): v is number => typeof v === 'number')
  .reduce((all, bit) => all | bit, 0);
const REPLAY_BUFFER_SIZE = 2000;

export interface GatewayConfig {
  readonly botToken: () => string;
  readonly heartbeatIntervalMs: number;
  /** Privileged intents enabled "in the developer portal"; identifying with others closes with 4014. */
  readonly allowedPrivilegedIntents: number;
  readonly gatewayPath: string;
  readonly resumePath: string;
  readonly baseUrl: () => string;
  readonly onViolation: (message: string) => void;
}

export interface IdentifyRecord {
  readonly at: number;
  readonly sessionId: string;
  readonly intents: number;
  readonly shard: readonly [number, number] | null;
  readonly compress: boolean;
  readonly properties: GatewayIdentifyData['properties'];
}

export interface ConnectionRecord {
  readonly at: number;
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  closedAt: number | null;
  closeCode: number | null;
  /** Who closed: the client (discord.js) or the fake. */
  closedBy: 'client' | 'server' | null;
}

export interface ResumeRecord {
  readonly at: number;
  readonly sessionId: string;
  readonly seq: number;
  readonly accepted: boolean;
  readonly replayed: number;
}

export interface DispatchRecord {
  readonly at: number;
  readonly t: string;
  /** Sessions it was sequenced for (delivered now or buffered for a resume). */
  readonly sessions: number;
  /** The shard ids of those sessions. */
  readonly shards: readonly number[];
}

class GatewaySession implements SessionView {
  seq = 0;
  readonly buffer: { s: number; text: string }[] = [];
  connection: GatewayConnection | null = null;
  invalidated = false;
  constructor(
    readonly sessionId: string,
    readonly intents: number,
    readonly shard: ShardPair,
  ) {}
}

class GatewayConnection {
  session: GatewaySession | null = null;
  ready = false;
  heartbeats = 0;
  constructor(
    readonly ws: WebSocket,
    readonly record: ConnectionRecord,
  ) {}

  send(payload: GatewayReceivePayload | { op: GatewayOpcodes.Dispatch; s: number; t: string; d: unknown }): void {
    this.sendText(JSON.stringify(payload));
  }

  sendText(text: string): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(text);
  }
}

export class FakeGateway implements Dispatcher {
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly connections = new Set<GatewayConnection>();
  private readonly sessionsById = new Map<string, GatewaySession>();
  readonly identifies: IdentifyRecord[] = [];
  readonly resumes: ResumeRecord[] = [];
  readonly connectionLog: ConnectionRecord[] = [];
  readonly dispatches: DispatchRecord[] = [];
  /** Events that happened while no session was live (the bot was offline), so nobody got them. */
  readonly undelivered: DispatchRecord[] = [];

  constructor(
    private readonly config: GatewayConfig,
    private readonly world: () => FakeWorld,
  ) {}

  get gatewayUrl(): string {
    return `${this.config.baseUrl().replace(/^http/, 'ws')}${this.config.gatewayPath}`;
  }

  get resumeUrl(): string {
    return `${this.config.baseUrl().replace(/^http/, 'ws')}${this.config.resumePath}`;
  }

  /** The shard of each session currently connected and past READY/RESUMED. */
  get readyShards(): ShardPair[] {
    return [...this.connections].flatMap((c) => (c.ready && c.session ? [c.session.shard] : []));
  }

  /** Number of sessions currently connected and past READY/RESUMED. */
  get readyConnections(): number {
    return [...this.connections].filter((c) => c.ready).length;
  }

  handles(pathname: string): boolean {
    return pathname === this.config.gatewayPath || pathname === this.config.resumePath;
  }

  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    const accept = () => this.wss.handleUpgrade(request, socket, head, (ws) => this.onConnection(ws, request));
    if (this.heldUpgrades) this.heldUpgrades.push(accept);
    else accept();
  }

  /** Upgrades waiting while the gateway is held (an outage the client cannot reconnect through). */
  private heldUpgrades: Array<() => void> | undefined;

  /** Leave new gateway connections unanswered until `release()`: the client stays disconnected meanwhile. */
  hold(): void {
    this.heldUpgrades ??= [];
  }

  /** Answer the held connections and every later one. */
  release(): void {
    const held = this.heldUpgrades ?? [];
    this.heldUpgrades = undefined;
    for (const accept of held) accept();
  }

  private onConnection(ws: WebSocket, request: IncomingMessage): void {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const record: ConnectionRecord = {
      at: Date.now(),
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      closedAt: null,
      closeCode: null,
      closedBy: null,
    };
    this.connectionLog.push(record);
    const connection = new GatewayConnection(ws, record);
    this.connections.add(connection);
    ws.on('close', (code) => {
      record.closedAt ??= Date.now();
      record.closeCode ??= code;
      record.closedBy ??= 'client';
      this.connections.delete(connection);
      const session = connection.session;
      if (session && session.connection === connection) {
        session.connection = null;
        // Closing with 1000/1001 ends the session for good (Discord shows the bot offline); other codes keep it resumable.
        if (record.closedBy === 'client' && (code === 1000 || code === 1001)) session.invalidated = true;
      }
    });
    ws.on('error', () => {
      /* a broken socket closes; nothing else to do */
    });
    ws.on('message', (data, isBinary) => this.onMessage(connection, data, isBinary));

    const version = url.searchParams.get('v');
    const encoding = url.searchParams.get('encoding') ?? 'json';
    if (version !== GatewayVersion) {
      this.config.onViolation(`gateway: connected with v=${String(version)}, expected v=${GatewayVersion}`);
      this.closeConnection(connection, GatewayCloseCodes.InvalidAPIVersion, 'Invalid API version');
      return;
    }
    if (encoding !== 'json') {
      this.config.onViolation(`gateway: encoding=${encoding} is not supported by the fake (only json)`);
      this.closeConnection(connection, GatewayCloseCodes.DecodeError, 'Unsupported encoding');
      return;
    }
    const hello: GatewayHello = {
      op: GatewayOpcodes.Hello,
      d: { heartbeat_interval: this.config.heartbeatIntervalMs },
      s: null,
      t: null,
    };
    connection.send(hello);
  }

  private closeConnection(connection: GatewayConnection, code: number, reason: string): void {
    connection.record.closedAt = Date.now();
    connection.record.closeCode = code;
    connection.record.closedBy = 'server';
    connection.ready = false;
    if (connection.ws.readyState === WebSocket.OPEN || connection.ws.readyState === WebSocket.CONNECTING) {
      connection.ws.close(code, reason);
    }
  }

  private onMessage(connection: GatewayConnection, data: RawData, isBinary: boolean): void {
    if (isBinary) {
      this.config.onViolation('gateway: received a binary frame; the fake expects JSON text');
      this.closeConnection(connection, GatewayCloseCodes.DecodeError, 'Error while decoding payload');
      return;
    }
    let payload: { op?: unknown; d?: unknown };
    try {
      payload = JSON.parse(rawToString(data)) as { op?: unknown; d?: unknown };
    } catch {
      this.config.onViolation('gateway: received a frame that is not JSON');
      this.closeConnection(connection, GatewayCloseCodes.DecodeError, 'Error while decoding payload');
      return;
    }
    switch (payload.op) {
      case GatewayOpcodes.Heartbeat: {
        connection.heartbeats += 1;
        const ack: GatewayHeartbeatAck = { op: GatewayOpcodes.HeartbeatAck, d: undefined, s: null, t: null };
        connection.send(ack);
        return;
      }
      case GatewayOpcodes.Identify:
        this.onIdentify(connection, payload.d as GatewayIdentifyData);
        return;
      case GatewayOpcodes.Resume:
        this.onResume(connection, payload.d as GatewayResumeData);
        return;
      case GatewayOpcodes.PresenceUpdate:
      case GatewayOpcodes.VoiceStateUpdate:
      case GatewayOpcodes.RequestSoundboardSounds:
      case GatewayOpcodes.RequestChannelInfo:
        if (!connection.session)
          this.closeConnection(connection, GatewayCloseCodes.NotAuthenticated, 'Not authenticated.');
        return;
      case GatewayOpcodes.RequestGuildMembers:
        if (!connection.session) {
          this.closeConnection(connection, GatewayCloseCodes.NotAuthenticated, 'Not authenticated.');
          return;
        }
        this.onRequestGuildMembers(connection, payload.d as GatewayRequestGuildMembersData);
        return;
      default:
        this.config.onViolation(`gateway: unknown opcode ${String(payload.op)}`);
        this.closeConnection(connection, GatewayCloseCodes.UnknownOpcode, 'Unknown opcode.');
    }
  }

  private onIdentify(connection: GatewayConnection, d: GatewayIdentifyData | undefined): void {
    if (connection.session) {
      this.closeConnection(connection, GatewayCloseCodes.AlreadyAuthenticated, 'Already authenticated.');
      return;
    }
    if (!d || typeof d !== 'object' || typeof d.token !== 'string' || typeof d.intents !== 'number' || !d.properties) {
      this.config.onViolation('gateway: malformed IDENTIFY (token, intents and properties are required)');
      this.closeConnection(connection, GatewayCloseCodes.DecodeError, 'Error while decoding payload');
      return;
    }
    if (d.token !== this.config.botToken()) {
      this.closeConnection(connection, GatewayCloseCodes.AuthenticationFailed, 'Authentication failed.');
      return;
    }
    if ((d.intents & ~ALL_INTENTS) !== 0) {
      this.closeConnection(connection, GatewayCloseCodes.InvalidIntents, 'Invalid intent(s).');
      return;
    }
    if ((d.intents & PRIVILEGED_INTENTS & ~this.config.allowedPrivilegedIntents) !== 0) {
      this.closeConnection(connection, GatewayCloseCodes.DisallowedIntents, 'Disallowed intent(s).');
      return;
    }
    const shard = d.shard === undefined ? ([0, 1] as const) : validShard(d.shard);
    if (!shard) {
      this.config.onViolation(
        `gateway: IDENTIFY shard ${JSON.stringify(d.shard)} is not [id, count] with 0 <= id < count`,
      );
      this.closeConnection(connection, GatewayCloseCodes.InvalidShard, 'Invalid shard.');
      return;
    }
    const session = new GatewaySession(randomBytes(16).toString('hex'), d.intents, shard);
    this.sessionsById.set(session.sessionId, session);
    this.identifies.push({
      at: Date.now(),
      sessionId: session.sessionId,
      intents: d.intents,
      shard: d.shard ?? null,
      compress: d.compress === true,
      properties: d.properties,
    });
    this.attach(connection, session);
    const world = this.world();
    const guildIds = [...world.guilds.keys()].filter((id) => ownsGuild(shard, id));
    const ready: Omit<GatewayReadyDispatch, 's'> = {
      op: GatewayOpcodes.Dispatch,
      t: GatewayDispatchEvents.Ready,
      d: {
        v: 10,
        user: { ...world.apiUser(world.bot.id), verified: true, mfa_enabled: false, email: null },
        guilds: guildIds.map((id) => ({ id, unavailable: true })),
        session_id: session.sessionId,
        resume_gateway_url: this.resumeUrl,
        shard: [shard[0], shard[1]],
        application: world.apiApplication(),
      },
    };
    this.deliverTo(session, ready);
    for (const guildId of guildIds) {
      const guildCreate: Omit<GatewayGuildCreateDispatch, 's'> = {
        op: GatewayOpcodes.Dispatch,
        t: GatewayDispatchEvents.GuildCreate,
        d: world.apiGuildCreate(guildId),
      };
      this.deliverTo(session, guildCreate);
    }
    connection.ready = true;
  }

  private onResume(connection: GatewayConnection, d: GatewayResumeData | undefined): void {
    const session = d ? this.sessionsById.get(d.session_id) : undefined;
    const accepted = Boolean(
      d && session && !session.invalidated && d.token === this.config.botToken() && d.seq <= session.seq,
    );
    if (!d || !session || !accepted) {
      this.resumes.push({
        at: Date.now(),
        sessionId: d?.session_id ?? '',
        seq: d?.seq ?? -1,
        accepted: false,
        replayed: 0,
      });
      const invalid: GatewayInvalidSession = { op: GatewayOpcodes.InvalidSession, d: false, s: null, t: null };
      connection.send(invalid);
      return;
    }
    const previous = session.connection;
    if (previous && previous !== connection)
      this.closeConnection(previous, GatewayCloseCodes.SessionTimedOut, 'Resumed elsewhere');
    this.attach(connection, session);
    const missed = session.buffer.filter((entry) => entry.s > d.seq);
    for (const entry of missed) connection.sendText(entry.text);
    this.resumes.push({
      at: Date.now(),
      sessionId: session.sessionId,
      seq: d.seq,
      accepted: true,
      replayed: missed.length,
    });
    const resumed: Omit<GatewayResumedDispatch, 's'> = {
      op: GatewayOpcodes.Dispatch,
      t: GatewayDispatchEvents.Resumed,
      d: undefined,
    };
    this.deliverTo(session, resumed);
    connection.ready = true;
  }

  private onRequestGuildMembers(connection: GatewayConnection, d: GatewayRequestGuildMembersData | undefined): void {
    const world = this.world();
    if (!d || !connection.session || !world.guilds.has(d.guild_id)) return;
    if (!ownsGuild(connection.session.shard, d.guild_id)) {
      this.config.onViolation('gateway: REQUEST_GUILD_MEMBERS for a guild on another shard');
      return;
    }
    const wanted = 'user_ids' in d ? new Set([d.user_ids].flat()) : null;
    const members = world
      .guildMembers(d.guild_id)
      .filter((m) => (wanted ? wanted.has(m.userId) : true))
      .map((m) => world.apiMember(d.guild_id, m.userId));
    const chunk: Omit<GatewayGuildMembersChunkDispatch, 's'> = {
      op: GatewayOpcodes.Dispatch,
      t: GatewayDispatchEvents.GuildMembersChunk,
      d: {
        guild_id: d.guild_id,
        members,
        chunk_index: 0,
        chunk_count: 1,
        ...(d.nonce ? { nonce: d.nonce } : {}),
        ...(wanted ? { not_found: [...wanted].filter((id) => !members.some((m) => m.user.id === id)) } : {}),
      },
    };
    this.deliverTo(connection.session, chunk);
  }

  private attach(connection: GatewayConnection, session: GatewaySession): void {
    connection.session = session;
    session.connection = connection;
  }

  /** Sequence a payload for one session, buffer it for resumes, and send it if the session is connected. */
  private deliverTo(session: GatewaySession, payload: UnsequencedDispatch): void {
    session.seq += 1;
    const text = JSON.stringify({ ...payload, s: session.seq });
    session.buffer.push({ s: session.seq, text });
    if (session.buffer.length > REPLAY_BUFFER_SIZE) session.buffer.shift();
    session.connection?.sendText(text);
  }

  dispatch<T extends UnsequencedDispatch>(payload: T, options: DispatchOptions<T> = {}): void {
    let sessions = 0;
    const shards: number[] = [];
    for (const session of this.sessionsById.values()) {
      if (session.invalidated) continue;
      if (options.intent !== undefined && (session.intents & options.intent) === 0) continue;
      if (!shardReceives(session.shard, payload)) continue;
      this.deliverTo(session, options.adapt ? options.adapt(session) : payload);
      sessions += 1;
      shards.push(session.shard[0]);
    }
    const record: DispatchRecord = { at: Date.now(), t: payload.t, sessions, shards };
    this.dispatches.push(record);
    if (sessions === 0) this.undelivered.push(record);
  }

  // -------------------------------------------------------------------------------------------------------------
  // Helpers for restart / reconnect tests

  /**
   * Close every gateway connection from the server side. With the default code 4000 (unknown error) discord.js
   * reconnects to `resume_gateway_url` and RESUMEs; events dispatched meanwhile are replayed.
   */
  disconnect(options: { code?: number; reason?: string; invalidateSessions?: boolean } = {}): void {
    for (const connection of [...this.connections]) {
      if (options.invalidateSessions && connection.session) connection.session.invalidated = true;
      this.closeConnection(connection, options.code ?? 4000, options.reason ?? 'Fake Discord disconnect');
    }
  }

  /** Drop every TCP connection without a close frame (the client sees 1006). */
  kill(): void {
    for (const connection of [...this.connections]) {
      connection.record.closedAt = Date.now();
      connection.record.closeCode = 1006;
      connection.record.closedBy = 'server';
      connection.ready = false;
      connection.ws.terminate();
    }
  }

  /** Send op 7 RECONNECT: the client closes and resumes. */
  requestReconnect(): void {
    const reconnect: GatewayReconnect = { op: GatewayOpcodes.Reconnect, d: undefined, s: null, t: null };
    for (const connection of this.connections) connection.send(reconnect);
  }

  /** Send op 9 INVALID SESSION; with `resumable: false` the sessions are gone and the client identifies again. */
  invalidateSessions(resumable = false): void {
    const invalid: GatewayInvalidSession = { op: GatewayOpcodes.InvalidSession, d: resumable, s: null, t: null };
    for (const connection of this.connections) {
      if (!resumable && connection.session) connection.session.invalidated = true;
      connection.ready = false;
      connection.send(invalid);
    }
  }

  /**
   * Shut the gateway down. Connections a client is still closing get a moment to finish; a client that is still
   * connected is told 4004 (which stops discord.js from reconnecting to a port that is gone). Returns how many
   * clients were still connected.
   */
  async close(): Promise<number> {
    const deadline = Date.now() + 250;
    while (Date.now() < deadline && [...this.connections].some((c) => c.ws.readyState === WebSocket.OPEN)) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    let stillConnected = 0;
    for (const connection of [...this.connections]) {
      if (connection.ws.readyState === WebSocket.OPEN) {
        stillConnected += 1;
        this.closeConnection(connection, GatewayCloseCodes.AuthenticationFailed, 'Fake Discord is shutting down');
      }
    }
    await new Promise((resolve) => setTimeout(resolve, stillConnected > 0 ? 50 : 0));
    for (const connection of [...this.connections]) connection.ws.terminate();
    this.connections.clear();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    return stillConnected;
  }
}

function rawToString(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8');
  return data.toString('utf8');
}
