/**
 * Builds one turn's request: system prompt, rolling summary, the newest whole exchanges that fit the budget, and
 * the new message. Token arithmetic works on stored counts; only the new message and the system prompt are counted.
 */
import type { Logger } from '../log.js';
import type { ChatMessage } from '../llm/chatTypes.js';
import { turnText, type Store, type ThreadMeta, type ThreadSummary, type Turn } from '../store/types.js';
import { notices } from '../strings.js';
import { countTokens, countTokensAsync, TOKENS_PER_MESSAGE, TOKENS_PER_REPLY } from '../tokens/tokenCounter.js';
import { loadHistoryWindow, type HistoryWindow } from './historyWindow.js';
import type { ChatModel } from './ports.js';
import { pendingSummaryRange, summarizeDropped, summaryDue, summaryMessage } from './summaryMemory.js';
import { TurnRefused, type ConversationSettings, type TurnRequest } from './turn.js';

export interface PreparedPrompt {
  messages: ChatMessage[];
  promptTokens: number;
  userTokens: number;
  /** A summary refreshed for this turn, committed with it. */
  summary: ThreadSummary | undefined;
  window: HistoryWindow;
}

export interface PromptInput {
  request: TurnRequest;
  meta: ThreadMeta;
  systemPrompt: string;
}

const summaryCost = (summary: ThreadSummary | undefined) => (summary ? summary.tokens + TOKENS_PER_MESSAGE : 0);

/** A stored turn as a chat message: plain text when it holds only text (what every server accepts). */
export const turnMessage = (turn: Turn): ChatMessage => ({ role: turn.role, content: turnText(turn) });

export class PromptBuilder {
  private readonly systemTokens = new Map<string, number>();

  constructor(
    private readonly deps: { store: Store; model: ChatModel; logger: Logger; settings: ConversationSettings },
  ) {}

  /** Throws TurnRefused when the new message alone cannot fit. */
  async build({ request, meta, systemPrompt }: PromptInput): Promise<PreparedPrompt> {
    const { store, settings } = this.deps;
    const userTokens = await countTokensAsync(request.content);
    let summary = settings.summaryMemory ? meta.summary : undefined;
    const fixed =
      this.systemPromptTokens(systemPrompt) + TOKENS_PER_MESSAGE + userTokens + TOKENS_PER_MESSAGE + TOKENS_PER_REPLY;
    const room = settings.contextTokens - settings.maxCompletionTokens - fixed;
    if (room < 0) throw new TurnRefused(notices.inputTooManyTokens(userTokens, userTokens + room));

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
    for (const turn of window.turns) messages.push(turnMessage(turn));
    messages.push({ role: 'user', content: request.content });
    return { messages, promptTokens: fixed + summaryCost(summary) + window.tokens, userTokens, summary: newSummary, window };
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
}
