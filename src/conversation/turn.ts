/** The shared vocabulary of a conversation turn: what callers submit, what a turn ends as, and its settings. */
import type { Config } from '../config/config.js';
import type { AttachmentRef } from '../input/readAttachments.js';
import type { Logger } from '../log.js';
import type { McpHost, ToolExecutor } from '../tools/mcpHost.js';
import type { WriteBudget } from '../render/writeBudget.js';
import type { Store } from '../store/types.js';
import { notices } from '../strings.js';
import type { ChatModel } from './ports.js';
import type { UserRateLimit } from '../coordination/userRateLimit.js';

/** The settings a conversation reads, taken from the one Config definition; `model` is the default model. */
export type ConversationSettings = Pick<
  Config,
  | 'contextTokens'
  | 'maxCompletionTokens'
  | 'maxInputChars'
  | 'summaryMemory'
  | 'defaultSystemPrompt'
  | 'editIntervalMs'
  | 'userMessagesPerMinute'
  | 'guildDailyTokens'
  | 'attachments'
  | 'tools'
> & {
  model: string;
  /** DISCORD_API_BASE: its host may serve attachments besides Discord's CDN. */
  attachmentHostBase: string;
  /** THREAD_TITLES: rename threads the bot opened after their first answer (off when omitted). */
  threadTitles?: boolean;
};

export interface ConversationDeps {
  store: Store;
  model: ChatModel;
  logger: Logger;
  settings: ConversationSettings;
  /** Shared by every stream in the process. */
  editBudget: WriteBudget;
  /** The bot's own user id, recorded as the author of its answers. */
  botUserId: () => string;
  /** Told when a turn starts and ends (metrics); optional. */
  observer?: TurnObserver;
  /** MCP tools the model may call (MCP_CONFIG); absent = no tools. */
  tools?: ToolHost;
  now?: () => number;
  /** The per-user message limit; shared through Redis when REDIS_URL is set, in this process when omitted. */
  userLimit?: UserRateLimit;
}

/** What a finished turn reports to observers: ids and numbers only, never text. */
export interface TurnReport {
  outcome: TurnOutcome;
  model: string;
  firstTokenMs: number | undefined;
  totalMs: number;
  usage?: { prompt: number; cached: number; completion: number; reasoning: number };
  costUsd?: number;
}

export interface TurnObserver {
  turnStarted(): void;
  turnEnded(report: TurnReport): void;
  /** One tool call ended (ok, error, timeout, invalid_arguments, unavailable…). */
  toolCalled?(outcome: string): void;
}

/** What a turn needs of the MCP host: the definitions to offer and a way to run a call. */
export type ToolHost = ToolExecutor & Pick<McpHost, 'definitions'>;

/** One user message that should become a turn. */
export interface TurnRequest {
  threadId: string;
  guildId: string | null;
  /** The channel the thread lives in. */
  channelId: string;
  userId: string;
  content: string;
  /** The Discord message carrying the user's text, when there is one (not for `/chat`). */
  messageId?: string;
  /** Files on the message (or `/chat file:`); read when the turn runs. */
  attachments?: AttachmentRef[];
  /** Server nickname, else global name, else username: labels the turn once several people talk in a thread. */
  authorName?: string;
}

export type TurnOutcome =
  | 'completed'
  | 'length'
  | 'stopped'
  | 'interrupted'
  | 'failed'
  | 'refused'
  | 'undelivered'
  | 'unsaved';

export interface Refusal {
  notice: string;
}

/** A refused turn carries its notice; the Discord layer shows it as it sees fit (ephemeral for slash commands). */
export class TurnRefused extends Error {
  constructor(readonly notice: string) {
    super(notice);
  }
}

/** The plain-language message of a typed error, never its stack or internals. */
export function userMessageOf(error: unknown): string {
  if (error instanceof TurnRefused) return error.notice;
  if (error && typeof error === 'object' && 'userMessage' in error && typeof error.userMessage === 'string') {
    return error.userMessage;
  }
  return notices.failed;
}
