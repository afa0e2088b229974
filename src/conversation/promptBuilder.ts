/**
 * Builds one turn's request: system prompt, rolling summary, the newest whole exchanges that fit the budget, and
 * the new message. Token arithmetic works on stored counts; only the new message and the system prompt are counted.
 */
import { blobIdsOf, partsTokens, renderContent, type ContentPart } from '../input/contentParts.js';
import type { Logger } from '../log.js';
import type { ChatMessage } from '../llm/chatTypes.js';
import { turnText, type Store, type ThreadMeta, type ThreadSummary, type Turn } from '../store/types.js';
import { notices } from '../strings.js';
import { countTokens, TOKENS_PER_MESSAGE, TOKENS_PER_REPLY } from '../tokens/tokenCounter.js';
import { loadHistoryWindow, loadSteppedWindow, WindowAnchors, type HistoryWindow } from './historyWindow.js';
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
  /** The answer cap for this model (below MAX_COMPLETION_TOKENS only when its window is small). */
  maxCompletionTokens: number;
}

export interface PromptInput {
  request: TurnRequest;
  meta: ThreadMeta;
  systemPrompt: string;
  /** The model in force for this turn: budgets follow its window. */
  model: string;
  /** The new message as content parts (text first, then attachments), each with its tokens. */
  userParts: ContentPart[];
}

const summaryCost = (summary: ThreadSummary | undefined) => (summary ? summary.tokens + TOKENS_PER_MESSAGE : 0);

interface RenderContext {
  vision: boolean;
  blobs: Map<string, Uint8Array>;
  /** Label user turns with their author's name (several people talk in this thread). */
  labelled: boolean;
}

const speakerLabel = (name: string | undefined) => `${name ?? 'Someone'}: `;

/** A user's content as a chat message, labelled with the speaker once several people talk. */
function userMessage(parts: readonly ContentPart[], name: string | undefined, ctx: RenderContext): ChatMessage {
  const content = renderContent(parts, { vision: ctx.vision, blobs: (id) => ctx.blobs.get(id) });
  if (!ctx.labelled) return { role: 'user', content };
  const label = speakerLabel(name);
  return {
    role: 'user',
    content: typeof content === 'string' ? label + content : [{ type: 'text', text: label }, ...content],
  };
}

/**
 * A stored turn as chat messages: plain text when it holds no visible image (what every server accepts); an answer
 * that used tools replays its calls and their results first, so the window never separates them.
 */
export function turnMessages(turn: Turn, ctx: RenderContext): ChatMessage[] {
  if (turn.role === 'assistant') return [...(turn.toolExchange ?? []), { role: 'assistant', content: turnText(turn) }];
  return [userMessage(turn.parts, turn.authorName, ctx)];
}

export class PromptBuilder {
  private readonly systemTokens = new Map<string, number>();
  private readonly anchors = new WindowAnchors();

  constructor(
    private readonly deps: { store: Store; model: ChatModel; logger: Logger; settings: ConversationSettings },
  ) {}

  /** Throws TurnRefused when the new message alone cannot fit. */
  async build({ request, meta, systemPrompt, model, userParts }: PromptInput): Promise<PreparedPrompt> {
    const { store, settings } = this.deps;
    const userTokens = partsTokens(userParts);
    let summary = settings.summaryMemory ? meta.summary : undefined;
    const fixed =
      this.systemPromptTokens(systemPrompt) + TOKENS_PER_MESSAGE + userTokens + TOKENS_PER_MESSAGE + TOKENS_PER_REPLY;
    const limits = this.limitsFor(model);
    const room = limits.promptTokens - fixed;
    if (room < 0) throw new TurnRefused(notices.inputTooManyTokens(userTokens, userTokens + room));

    const anchor = this.anchors.anchorFor(meta);
    let window = await loadSteppedWindow(store, meta, Math.max(0, room - summaryCost(summary)), anchor);
    let newSummary: ThreadSummary | undefined;
    if (settings.summaryMemory) {
      newSummary = await this.refreshSummary(meta, summary, window.start, request);
      if (newSummary) {
        summary = newSummary;
        // A longer summary leaves less room: refit, moving the window forward only.
        window = await loadHistoryWindow(store, meta, Math.max(0, room - summaryCost(summary)), window.start);
      }
    }
    this.anchors.remember(meta, window.start);
    const labelled =
      meta.creatorId !== request.userId || window.turns.some((t) => t.role === 'user' && t.authorId !== request.userId);
    const vision = settings.attachments.vision && (this.deps.model.catalog?.capabilities(model).vision ?? true);
    const ctx: RenderContext = { vision, blobs: await this.blobsOf(meta, window, vision, userParts), labelled };
    // Stable prefix for the provider's prompt cache: system prompt, summary, history; per-turn data only after.
    const messages: ChatMessage[] = [{ role: 'system', content: systemPrompt }];
    if (summary) messages.push(summaryMessage(summary));
    for (const turn of window.turns) messages.push(...turnMessages(turn, ctx));
    messages.push(userMessage(userParts, request.authorName, ctx));
    const labels = labelled ? this.labelTokens(window, request) : 0;
    const promptTokens = fixed + summaryCost(summary) + window.tokens + labels;
    const maxCompletionTokens = limits.completionTokens;
    return { messages, promptTokens, userTokens, summary: newSummary, window, maxCompletionTokens };
  }

  /** The images the window's turns show, read once per turn from the store. */
  private async blobsOf(
    meta: ThreadMeta,
    window: HistoryWindow,
    vision: boolean,
    userParts: readonly ContentPart[],
  ): Promise<Map<string, Uint8Array>> {
    if (!vision) return new Map();
    // A regenerated message comes from the store: its images are blobs too.
    const stored = userParts.flatMap((p) => (p.type === 'image' && !p.bytes ? [p.blobId] : []));
    const ids = [...window.turns.flatMap((turn) => blobIdsOf(turn.parts)), ...stored];
    return ids.length === 0 ? new Map() : this.deps.store.getBlobs(meta.threadId, [...new Set(ids)]);
  }

  /** Names are short: counting them per turn costs little and keeps the limiter's weight honest. */
  private labelTokens(window: HistoryWindow, request: TurnRequest): number {
    const names = [...window.turns.filter((t) => t.role === 'user').map((t) => t.authorName), request.authorName];
    return names.reduce((sum, name) => sum + countTokens(speakerLabel(name)), 0);
  }

  /**
   * The model's window (CONTEXT_TOKENS capped by the capability table and by what its server told us), less the
   * answer cap, in our estimate's units (scaled down when this model's server counts more tokens than we do).
   */
  private limitsFor(model: string): { promptTokens: number; completionTokens: number } {
    const { settings } = this.deps;
    const catalog = this.deps.model.catalog;
    const window = catalog?.contextWindow(model, settings.contextTokens) ?? settings.contextTokens;
    // A model window below CONTEXT_TOKENS (llama.cpp -c 512) still leaves at least half of it for the prompt.
    const cap = settings.maxCompletionTokens;
    const completionTokens = window < settings.contextTokens ? Math.min(cap, Math.floor(window / 2)) : cap;
    const factor = catalog?.estimateFactor(model) ?? 1;
    return { promptTokens: Math.floor((window - completionTokens) / factor), completionTokens };
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
