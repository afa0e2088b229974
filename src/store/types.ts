/** Records the bot keeps. Plain data: any key-value backend (SQLite, Redis, Postgres) can hold them. */

export type TurnRole = 'user' | 'assistant';

/** One piece of a turn's content, with its own token count. Images and files join text in round 2. */
export type StoredPart = { type: 'text'; text: string; tokens: number };

export interface Turn {
  role: TurnRole;
  parts: StoredPart[];
  /** Discord user id of the author (the bot's own id for assistant turns). */
  authorId: string;
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
  /** The model chosen for this thread with /model; absent = the server's default, else OPENAI_MODEL. */
  model?: string;
}

export interface GuildSettings {
  systemPrompt?: string;
  /** The server's default model (`/settings model`, a later issue); read by the turn's prepare step. */
  defaultModel?: string;
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
  commitTurns(meta: ThreadMeta, turns: Turn[], summary?: ThreadSummary): Promise<ThreadMeta>;
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
}

export interface UsageStore extends UsageRecorder {
  /** Totals for one user in one guild over the given UTC days (YYYY-MM-DD). */
  getUserUsage(userId: string, guildId: string | null, days: string[]): Promise<UsageTotals>;
  getGuildUsage(guildId: string | null, days: string[]): Promise<UsageTotals>;
}

export interface Store extends ConversationStore, SettingsStore, UsageStore {
  close(): Promise<void>;
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
