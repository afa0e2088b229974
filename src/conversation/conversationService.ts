import type { Logger } from '../log.js';
import { EditBudget } from '../render/editBudget.js';
import type { MessageSink } from '../render/messageSink.js';
import { StreamRenderer, type RenderEnd } from '../render/streamRenderer.js';
import { StoreError } from '../store/keyvStore.js';
import { lastDays, type Store, type ThreadMeta, type ThreadSummary, type Turn } from '../store/types.js';
import { countTokens, countTokensAsync, TOKENS_PER_MESSAGE, TOKENS_PER_REPLY } from '../tokens/tokenCounter.js';
import { KeyedQueue } from '../util/keyedQueue.js';
import { loadHistoryWindow, type HistoryWindow } from './historyWindow.js';
import { notices } from '../strings.js';
import type { ChatMessage, ChatModel, ChatResult } from './ports.js';
import { SlidingWindowLimit } from './slidingWindowLimit.js';
import { pendingSummaryRange, summarizeDropped, summaryDue, summaryMessage } from './summaryMemory.js';

export interface ConversationSettings {
  model: string;
  contextTokens: number;
  maxCompletionTokens: number;
  maxInputChars: number;
  summaryMemory: boolean;
  defaultSystemPrompt: string;
  editIntervalMs: number;
  userMessagesPerMinute: number;
  guildDailyTokens: number;
}

export interface ConversationDeps {
  store: Store;
  model: ChatModel;
  logger: Logger;
  settings: ConversationSettings;
  /** Shared by every stream in the process. */
  editBudget: EditBudget;
  /** The bot's own user id, recorded as the author of its answers. */
  botUserId: () => string;
  now?: () => number;
}

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
}

export type TurnOutcome = 'completed' | 'length' | 'interrupted' | 'failed' | 'refused' | 'undelivered' | 'unsaved';

export interface Refusal {
  notice: string;
}

/** A refused turn carries its notice; the Discord layer shows it as it sees fit (ephemeral for slash commands). */
class TurnRefused extends Error {
  constructor(readonly notice: string) {
    super(notice);
  }
}

const DAY_MS = 86_400_000;
/** How long a turn waits for model capacity before the thread says so. */
const CAPACITY_NOTICE_AFTER_MS = 3_000;

/**
 * The heart of the bot: every thread is one conversation, one turn at a time. A turn is read from the store, built
 * into a token-budgeted request, streamed through the model into the renderer and committed only once complete.
 */
export class ConversationService {
  private readonly turns = new KeyedQueue();
  private readonly userLimit: SlidingWindowLimit;
  private readonly systemTokens = new Map<string, number>();
  private closing = false;
  private readonly now: () => number;

  constructor(private readonly deps: ConversationDeps) {
    this.userLimit = new SlidingWindowLimit(deps.settings.userMessagesPerMinute);
    this.now = deps.now ?? Date.now;
  }

  /**
   * Checks that need no I/O, in arrival order, before anything is queued. Takes the user's rate slot when admitted.
   * Synchronous on purpose: two messages of one thread are queued in the order they arrived.
   */
  admit(request: Pick<TurnRequest, 'userId' | 'content'>): Refusal | undefined {
    const { maxInputChars, userMessagesPerMinute } = this.deps.settings;
    if (this.closing) return { notice: notices.shuttingDown };
    if (request.content.trim() === '') return { notice: notices.emptyMessage };
    // Refused before any tokenizing: the length cap is what keeps hostile text cheap.
    if (request.content.length > maxInputChars) return { notice: notices.inputTooLong(request.content.length, maxInputChars) };
    const slot = this.userLimit.take(request.userId, this.now());
    if (!slot.ok) return { notice: notices.userRateLimited(userMessagesPerMinute, slot.retryAfterMs) };
    return undefined;
  }

  /** Admit and run a turn; refusals are posted through the sink. Resolves when the turn has ended. */
  async submit(request: TurnRequest, sink: MessageSink): Promise<TurnOutcome> {
    const refusal = this.admit(request);
    if (refusal) {
      await sink.send(refusal.notice).catch((error: unknown) => this.deps.logger.warn({ err: error }, 'notice not delivered'));
      return 'refused';
    }
    return this.run(request, sink);
  }

  /** Run an admitted turn after every earlier turn of the same thread. */
  run(request: TurnRequest, sink: MessageSink): Promise<TurnOutcome> {
    return this.turns.run(request.threadId, () => this.runTurn(request, sink));
  }

  /** Whether a thread holds a conversation: stored, or its first turn is already queued. */
  async hasConversation(threadId: string): Promise<boolean> {
    return this.turns.depth(threadId) > 0 || (await this.deps.store.getThread(threadId)) !== undefined;
  }

  /**
   * Start a conversation in a new thread with its admitted first turn. Queued at once, so a follow-up that arrives
   * before the thread record is written already counts as part of the conversation and waits its turn.
   */
  begin(request: TurnRequest, sink: MessageSink): Promise<TurnOutcome> {
    return this.turns.run(request.threadId, async () => {
      await this.deps.store.createThread({
        threadId: request.threadId,
        guildId: request.guildId,
        channelId: request.channelId,
        creatorId: request.userId,
        createdAt: this.now(),
      });
      return this.runTurn(request, sink);
    });
  }

  /** Forget a thread's turns and summary, after any turn already running or waiting in that thread. */
  reset(threadId: string): Promise<boolean> {
    return this.turns.run(threadId, async () => {
      if (!(await this.deps.store.getThread(threadId))) return false;
      await this.deps.store.resetThread(threadId);
      return true;
    });
  }

  /** Turns running or waiting in one thread. */
  queued(threadId: string): number {
    return this.turns.depth(threadId);
  }

  /** Stop admitting turns and wait (bounded) for running ones to finish. */
  async close(timeoutMs: number): Promise<boolean> {
    this.closing = true;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    const finished = await Promise.race([this.turns.idle().then(() => true as const), timedOut]);
    clearTimeout(timer);
    return finished;
  }

  private async runTurn(request: TurnRequest, sink: MessageSink): Promise<TurnOutcome> {
    const { settings, logger } = this.deps;
    const started = this.now();
    let firstTokenAt: number | undefined;
    let capacityNotice: NodeJS.Timeout | undefined;
    const renderer = new StreamRenderer(sink, { editIntervalMs: settings.editIntervalMs, budget: this.deps.editBudget });
    renderer.start();
    let outcome: TurnOutcome = 'failed';
    let result: ChatResult | undefined;
    let model = settings.model;
    try {
      const prepared = await this.prepare(request);
      model = prepared.model;
      result = await this.deps.model.streamChat(
        {
          messages: prepared.messages,
          promptTokens: prepared.promptTokens,
          userId: request.userId,
          guildId: request.guildId,
          model: prepared.model,
        },
        {
          onDelta: (text) => {
            firstTokenAt ??= this.now();
            renderer.push(text);
          },
          // The typing indicator covers short waits; a visible status only once the wait is noticeable.
          onQueued: ({ position }) => {
            clearTimeout(capacityNotice);
            capacityNotice = setTimeout(() => {
              if (firstTokenAt === undefined) renderer.setStatus(notices.waitingForCapacity(position));
            }, CAPACITY_NOTICE_AFTER_MS);
          },
        },
      );
      clearTimeout(capacityNotice);
      const end = this.renderEnd(result);
      const rendered = await renderer.finish(end);
      if (!rendered.delivered) {
        outcome = 'undelivered';
        logger.warn({ thread: request.threadId, err: rendered.error }, 'answer could not be delivered to Discord');
      } else if (end.kind === 'complete' || end.kind === 'length') {
        const saved = await this.commit(prepared, request, result, rendered.messageIds);
        if (!saved) await sink.send(notices.notSaved).catch(() => undefined);
        outcome = saved ? (end.kind === 'length' ? 'length' : 'completed') : 'unsaved';
      } else {
        outcome = end.kind === 'interrupted' ? 'interrupted' : 'failed';
      }
      return outcome;
    } catch (error) {
      outcome = error instanceof TurnRefused ? 'refused' : 'failed';
      const notice = error instanceof TurnRefused ? error.notice : userMessageOf(error);
      if (!(error instanceof TurnRefused)) logger.warn({ thread: request.threadId, err: error }, 'turn failed');
      await renderer.finish({ kind: 'error', notice }).catch(() => undefined);
      return outcome;
    } finally {
      clearTimeout(capacityNotice);
      logger.info(
        {
          thread: request.threadId,
          guild: request.guildId,
          user: request.userId,
          model: result?.model ?? model,
          promptTokens: result?.usage.promptTokens,
          completionTokens: result?.usage.completionTokens,
          firstTokenMs: firstTokenAt === undefined ? undefined : firstTokenAt - started,
          totalMs: this.now() - started,
          outcome,
        },
        'turn',
      );
    }
  }

  private renderEnd(result: ChatResult): RenderEnd {
    if (result.error) return { kind: 'interrupted', notice: userMessageOf(result.error) };
    if (result.finishReason === 'length') return { kind: 'length' };
    return { kind: 'complete' };
  }

  /** Everything before the model call: limits, moderation, history window, summary. Throws TurnRefused. */
  private async prepare(request: TurnRequest): Promise<PreparedTurn> {
    const { store, settings } = this.deps;
    await this.checkGuildAllowance(request.guildId);
    // The model client knows whether moderation is on (OPENAI_MODERATION); off, this costs nothing.
    const verdict = await this.deps.model.moderate(request.content);
    if (verdict.flagged) throw new TurnRefused(notices.moderated);
    const meta =
      (await store.getThread(request.threadId)) ??
      (await store.createThread({
        threadId: request.threadId,
        guildId: request.guildId,
        channelId: request.channelId,
        creatorId: request.userId,
        createdAt: this.now(),
      }));
    const guildSettings = request.guildId ? await store.getGuildSettings(request.guildId) : {};
    const systemPrompt = guildSettings.systemPrompt ?? settings.defaultSystemPrompt;
    const userTokens = await countTokensAsync(request.content);

    let summary = settings.summaryMemory ? meta.summary : undefined;
    const fixed =
      this.systemPromptTokens(systemPrompt) + TOKENS_PER_MESSAGE + userTokens + TOKENS_PER_MESSAGE + TOKENS_PER_REPLY;
    const room = settings.contextTokens - settings.maxCompletionTokens - fixed;
    if (room < 0) throw new TurnRefused(notices.inputTooManyTokens(userTokens, userTokens + room));

    const summaryCost = (s: ThreadSummary | undefined) => (s ? s.tokens + TOKENS_PER_MESSAGE : 0);
    let window = await loadHistoryWindow(store, meta, Math.max(0, room - summaryCost(summary)));
    let newSummary: ThreadSummary | undefined;
    if (settings.summaryMemory) {
      newSummary = await this.refreshSummary(meta, summary, window.start, request);
      if (newSummary) {
        summary = newSummary;
        // A longer summary leaves less room: refit, moving the window forward only.
        window = await loadHistoryWindow(store, meta, Math.max(0, room - summaryCost(summary)), window.start);
      }
    }
    const messages: ChatMessage[] = [{ role: 'system', content: systemPrompt }];
    if (summary) messages.push(summaryMessage(summary));
    for (const turn of window.turns) messages.push({ role: turn.role, content: turn.content });
    messages.push({ role: 'user', content: request.content });
    return {
      meta,
      messages,
      promptTokens: fixed + summaryCost(summary) + window.tokens,
      userTokens,
      summary: newSummary,
      window,
      model: guildSettings.model ?? settings.model,
    };
  }

  /** Fold turns that fell out of the window into the summary once enough of them wait. Failure is not fatal. */
  private async refreshSummary(
    meta: ThreadMeta,
    previous: ThreadSummary | undefined,
    windowStart: number,
    request: TurnRequest,
  ): Promise<ThreadSummary | undefined> {
    const range = pendingSummaryRange(previous, windowStart);
    if (!range) return undefined;
    const dropped = await this.deps.store.getTurns(meta, range.from, range.to);
    if (!summaryDue(dropped)) return undefined;
    try {
      return await summarizeDropped({
        model: this.deps.model,
        previous,
        dropped,
        through: range.to,
        userId: request.userId,
        guildId: request.guildId,
      });
    } catch (error) {
      this.deps.logger.warn({ thread: request.threadId, err: error }, 'summary not updated');
      return undefined;
    }
  }

  private async checkGuildAllowance(guildId: string | null): Promise<void> {
    const cap = this.deps.settings.guildDailyTokens;
    if (cap <= 0 || guildId === null) return;
    const now = this.now();
    const today = await this.deps.store.getGuildUsage(guildId, lastDays(now, 1));
    if (today.promptTokens + today.completionTokens < cap) return;
    const resetInMs = DAY_MS - (now % DAY_MS);
    throw new TurnRefused(notices.guildDailyCap(cap, resetInMs));
  }

  private systemPromptTokens(prompt: string): number {
    let tokens = this.systemTokens.get(prompt);
    if (tokens === undefined) {
      tokens = countTokens(prompt);
      // Prompts change rarely; a tiny cache keeps the hot path from re-counting them every turn.
      if (this.systemTokens.size > 100) this.systemTokens.clear();
      this.systemTokens.set(prompt, tokens);
    }
    return tokens;
  }

  /** Write the exchange; false when it could not be kept (thread reset meanwhile, store unavailable). */
  private async commit(prepared: PreparedTurn, request: TurnRequest, result: ChatResult, messageIds: string[]): Promise<boolean> {
    const at = this.now();
    const userTurn: Turn = {
      role: 'user',
      content: request.content,
      authorId: request.userId,
      messageIds: request.messageId ? [request.messageId] : [],
      tokens: prepared.userTokens,
      at,
    };
    const answerTokens = result.usage.estimated ? await countTokensAsync(result.text) : result.usage.completionTokens;
    const answerTurn: Turn = {
      role: 'assistant',
      content: result.text,
      authorId: this.deps.botUserId(),
      messageIds,
      tokens: answerTokens,
      at,
    };
    try {
      await this.deps.store.commitTurns(prepared.meta, [userTurn, answerTurn], prepared.summary);
      return true;
    } catch (error) {
      const level = error instanceof StoreError ? 'warn' : 'error';
      this.deps.logger[level]({ thread: request.threadId, err: error }, 'turn not committed');
      return false;
    }
  }
}

interface PreparedTurn {
  meta: ThreadMeta;
  messages: ChatMessage[];
  promptTokens: number;
  userTokens: number;
  summary: ThreadSummary | undefined;
  window: HistoryWindow;
  model: string;
}

/** The plain-language message of a typed error, never its stack or internals. */
function userMessageOf(error: unknown): string {
  if (error && typeof error === 'object' && 'userMessage' in error && typeof error.userMessage === 'string') {
    return error.userMessage;
  }
  return notices.failed;
}
