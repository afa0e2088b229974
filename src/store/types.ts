import type { ImageBlob, StoredContentPart } from '../input/contentParts.js';
import type { ToolExchangeMessage } from '../tools/toolMessages.js';
import type { TurnSplice } from './spliceTurns.js';

export type { TurnSplice } from './spliceTurns.js';

/** Records the bot keeps. Plain data: any key-value backend (SQLite, Redis, Postgres) can hold them. */

export type TurnRole = 'user' | 'assistant';

/** One piece of a turn's content, with its own token count: text, an image (bytes kept apart, once) or a file. */
export type StoredPart = StoredContentPart;
export type { ImageBlob };

export interface Turn {
  role: TurnRole;
  parts: StoredPart[];
  /** Discord user id of the author (the bot's own id for assistant turns). */
  authorId: string;
  /** The author's display name when the turn was written (labels turns once several people talk). */
  authorName?: string;
  /** An answer's tool calls and their (untrusted) results, replayed before its text; counted in `tokens`. */
  toolExchange?: ToolExchangeMessage[];
  /** Discord message ids that carried this turn (an answer may span several messages). */
  messageIds: string[];
  /** Token count of all parts (per-message overhead is added when building a request). */
  tokens: number;
  /** Epoch milliseconds. */
  at: number;
}

/** The text of a turn, its text parts joined. */
export const turnText = (turn: Pick<Turn, 'parts'>): string =>
  turn.parts.map((part) => (part.type === 'text' ? part.text : '')).join('');

/** A turn holding one text part. */
export const textTurn = ({ text, ...rest }: Omit<Turn, 'parts'> & { text: string }): Turn => ({
  ...rest,
  parts: [{ type: 'text', text, tokens: rest.tokens }],
});

/** A round-1 turn record carried `content: string`; it loads as one text part. */
export function upgradeTurn(raw: Turn | (Omit<Turn, 'parts'> & { content: string })): Turn {
  if ('parts' in raw && Array.isArray(raw.parts)) return raw;
  const { content, ...rest } = raw as Omit<Turn, 'parts'> & { content: string };
  return textTurn({ ...rest, text: content });
}

export interface ThreadSummary {
  text: string;
  tokens: number;
  /** The summary covers turns [0, through) of the thread. */
  through: number;
}

export interface ThreadMeta {
  threadId: string;
  guildId: string | null;
  /** The channel the thread was opened in. */
  channelId: string;
  creatorId: string;
  createdAt: number;
  /** Number of committed turns; turns at index >= turnCount are not part of the conversation. */
  turnCount: number;
  /** Bumped by every reset so stale turn records can never be read back into a fresh history. */
  epoch: number;
  summary?: ThreadSummary;
  /** Image blobs stored for this thread (deleted with it on reset). */
  blobIds?: string[];
  /** The model chosen for this thread with /model; absent = the server's default, else OPENAI_MODEL. */
  model?: string;
}

/** What a server's admins chose (`/system-prompt`, `/settings`); an absent field means the operator's default. */
export interface GuildSettings {
  systemPrompt?: string;
  /** The server's default model, one of OPENAI_MODELS. */
  defaultModel?: string;
  /** The server's daily token cap (0 = none of its own; the operator's GUILD_DAILY_TOKENS still applies). */
  dailyTokens?: number;
  /** Each member's daily token cap in this server (0 = none). */
  userDailyTokens?: number;
  /** Only members with this role may use the bot here. */
  roleId?: string;
  /** Forums where every new post is a conversation. */
  forumChannelIds?: string[];
  /** MCP tools allowed in this server (absent = allowed). */
  toolsEnabled?: boolean;
}

export interface UsageTotals {
  promptTokens: number;
  completionTokens: number;
  requests: number;
  costUsd: number;
  /** Prompt tokens served from the provider's prompt cache (included in promptTokens). Absent in older records. */
  cachedTokens?: number;
  /** Completion tokens spent on reasoning (included in completionTokens). Absent in older records. */
  reasoningTokens?: number;
}

export interface UsageEntry extends UsageTotals {
  userId: string;
  guildId: string | null;
  /** Epoch milliseconds; bucketed into a UTC day by the store. */
  at: number;
}

export interface UsageRecorder {
  recordUsage(entry: UsageEntry): Promise<void>;
}

export interface ConversationStore {
  getThread(threadId: string): Promise<ThreadMeta | undefined>;
  /** Turns [from, to) of the thread's current epoch, in order. */
  getTurns(meta: ThreadMeta, from: number, to: number): Promise<Turn[]>;
  /**
   * Commit a completed exchange: the turns are written first, then the thread record that makes them visible.
   * A crash in between leaves the previous history exactly as it was.
   */
  commitTurns(meta: ThreadMeta, turns: Turn[], summary?: ThreadSummary, blobs?: ImageBlob[]): Promise<ThreadMeta>;
  /**
   * Replace or remove turns from `splice.from` on (Regenerate, edits, deleted messages), later turns shifting down,
   * in one commit with the thread record last. Rejects with a conflict StoreError when `meta` is stale.
   */
  spliceTurns(meta: ThreadMeta, splice: TurnSplice): Promise<ThreadMeta>;
  /** Image bytes of a thread by blob id; missing ones are absent from the map. */
  getBlobs(threadId: string, ids: readonly string[]): Promise<Map<string, Uint8Array>>;
  /** Create the thread record if missing (no turns yet). */
  createThread(meta: Omit<ThreadMeta, 'turnCount' | 'epoch' | 'summary'>): Promise<ThreadMeta>;
  /** Forget turns and summary; the thread record stays. */
  resetThread(threadId: string): Promise<void>;
  /** The thread's model from its next turn; false when there is no such thread. */
  setThreadModel(threadId: string, model: string): Promise<boolean>;
}

export interface SettingsStore {
  getGuildSettings(guildId: string): Promise<GuildSettings>;
  setGuildSettings(guildId: string, settings: GuildSettings): Promise<void>;
  /** Read-modify-write of one guild's settings, serialised with every other write of them; returns both sides. */
  updateGuildSettings(
    guildId: string,
    change: (current: GuildSettings) => GuildSettings,
  ): Promise<{ before: GuildSettings; after: GuildSettings }>;
}

/** One member's usage over some days. */
export interface MemberUsage {
  userId: string;
  totals: UsageTotals;
}

export interface UsageStore extends UsageRecorder {
  /** Totals for one user in one guild over the given UTC days (YYYY-MM-DD). */
  getUserUsage(userId: string, guildId: string | null, days: string[]): Promise<UsageTotals>;
  getGuildUsage(guildId: string | null, days: string[]): Promise<UsageTotals>;
  /** The guild's members with the most tokens (prompt + completion) over the days, most first. */
  getTopUsers(guildId: string, days: string[], limit: number): Promise<MemberUsage[]>;
}

/** An answer being written: the messages posted so far (first, then continuations). */
export interface InflightAnswer {
  messageIds: string[];
  /** When its turn started (epoch ms); identifies the turn that owns the record. */
  startedAt: number;
}

/** What the bot last did in a thread, so a restarted bot can catch up (SPEC: catching up after downtime). */
export interface ThreadActivity {
  threadId: string;
  /** The newest human message a turn was started for; messages up to it count as handled. */
  lastMessageId?: string;
  /** When the bot last started a turn here (epoch ms). */
  at: number;
  /** Present while an answer is being written; a process that dies mid-answer leaves it behind. */
  inflight?: InflightAnswer;
}

export interface ActivityStore {
  /** A turn starts in the thread, for `messageId` when it answers a Discord message (not for `/chat`). */
  noteTurnStarted(threadId: string, messageId: string | undefined, at: number): Promise<void>;
  /** The answer of the turn started at `startedAt` posted a message. */
  noteAnswerMessage(threadId: string, startedAt: number, messageId: string): Promise<void>;
  /** The answer of the turn started at `startedAt` is no longer in flight (its turn ended, or it was closed). */
  endInflight(threadId: string, startedAt: number): Promise<void>;
  /** Threads with activity since `since` or an answer still in flight, most recent first, at most `limit`. */
  recentActivity(since: number, limit: number): Promise<ThreadActivity[]>;
}

/** Tokens a usage total counts against caps and rankings. */
export const totalTokens = (totals: UsageTotals): number => totals.promptTokens + totals.completionTokens;

export interface Store extends ConversationStore, SettingsStore, UsageStore, LeaseStore, StoreHealth, ActivityStore {
  close(): Promise<void>;
}

/** Who holds a named lease (`bot`, `shard:0`) and until when (epoch ms, the holder's clock). */
export interface LeaseRecord {
  holderId: string;
  expiresAt: number;
}

export interface LeaseStore {
  /**
   * Take `name` for `holderId` for `ttlMs` (or renew it if already ours) unless another holder's record is still
   * live. Resolves with the record that holds afterwards: ours when taken, the other holder's otherwise.
   */
  claimLease(name: string, holderId: string, ttlMs: number): Promise<LeaseRecord>;
  /** Drop the lease if `holderId` still holds it. */
  releaseLease(name: string, holderId: string): Promise<void>;
  /** Run `task` when the store closes, before it disconnects (held leases release themselves this way). */
  onClose?(task: () => Promise<void>): void;
}

export interface StoreHealth {
  /** Resolves when the store answers a read within `timeoutMs`; rejects with a StoreError otherwise. */
  ping(timeoutMs?: number): Promise<void>;
}

export const emptyUsage = (): UsageTotals => ({ promptTokens: 0, completionTokens: 0, requests: 0, costUsd: 0 });

/** UTC day key used for usage buckets. */
export const utcDay = (at: number): string => new Date(at).toISOString().slice(0, 10);

/** The last `count` UTC days ending with the day of `at`, newest first. */
export function lastDays(at: number, count: number): string[] {
  const days: string[] = [];
  for (let i = 0; i < count; i++) days.push(utcDay(at - i * 86_400_000));
  return days;
}
