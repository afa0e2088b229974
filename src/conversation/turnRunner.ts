/** One turn, top to bottom: prepare → generate → render → commit → log. */
import { splitForStorage, type ContentPart } from '../input/contentParts.js';
import type { ChatResult } from '../llm/chatTypes.js';
import type { MessageSink } from '../render/messageSink.js';
import { StreamRenderer, type RenderEnd } from '../render/streamRenderer.js';
import { notSavedNotice, StoreError } from '../store/keyvStore.js';
import type { ThreadMeta, Turn } from '../store/types.js';
import { notices } from '../strings.js';
import { countTokensAsync } from '../tokens/tokenCounter.js';
import { ActiveTurns } from './activeTurns.js';
import type { Allowance } from './allowance.js';
import { defaultModelFor } from './guildSettings.js';
import { InflightAnswer } from './inflightAnswer.js';
import type { PreparedPrompt, PromptBuilder } from './promptBuilder.js';
import { threadRecordFor } from './threadRecord.js';
import { readUserInput } from './userInput.js';
import { dropPreviousRegenerate, historyBefore, STOPPED_END, turnControlPlan, type TurnOptions } from './turnControls.js';
import {
  TurnRefused,
  userMessageOf,
  type ConversationDeps,
  type TurnOutcome,
  type TurnReport,
  type TurnRequest,
} from './turn.js';

/** How long a turn waits for model capacity before the thread says so. */
const CAPACITY_NOTICE_AFTER_MS = 3_000;

interface PreparedTurn extends PreparedPrompt {
  meta: ThreadMeta;
  model: string;
  userParts: ContentPart[];
}

/** What the moderation check reads: the message's text and the text files it carries. */
const moderatedText = (parts: readonly ContentPart[]): string =>
  parts.map((part) => (part.type === 'image' ? '' : part.text)).filter(Boolean).join('\n\n');

export class TurnRunner {
  private readonly now: () => number;

  constructor(
    private readonly deps: ConversationDeps,
    private readonly allowance: Allowance,
    private readonly prompts: PromptBuilder,
    private readonly active: ActiveTurns = new ActiveTurns(),
  ) {
    this.now = deps.now ?? Date.now;
  }

  async run(request: TurnRequest, sink: MessageSink, options: TurnOptions = {}): Promise<TurnOutcome> {
    const { settings, logger } = this.deps;
    const started = this.now();
    let firstTokenAt: number | undefined;
    let capacityNotice: NodeJS.Timeout | undefined;
    this.deps.observer?.turnStarted();
    // Messages this answer posts are recorded until the turn ends, so a restart can close them (catch-up).
    const inflight = await InflightAnswer.begin(this.deps.store, logger, { ...request, startedAt: started });
    // A Stop press (or deleting the message being answered) aborts the model request through this signal.
    const signal = this.active.begin(request.threadId, { askerId: request.userId, startedAt: started, messageId: request.messageId });
    const renderer = new StreamRenderer(inflight.wrap(sink), {
      editIntervalMs: settings.editIntervalMs,
      budget: this.deps.editBudget,
      controls: turnControlPlan(request.threadId, started, () => signal.aborted),
    });
    renderer.start();
    let outcome: TurnOutcome = 'failed';
    let result: ChatResult | undefined;
    let model = settings.model;
    try {
      const prepared = await this.prepare(request, sink, options);
      model = prepared.model;
      result = await this.deps.model.streamChat(
        { messages: prepared.messages, promptTokens: prepared.promptTokens, userId: request.userId, guildId: request.guildId, model, signal },
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
      const end = signal.aborted ? STOPPED_END : renderEnd(result);
      const rendered = await renderer.finish(end);
      if (!rendered.delivered) {
        logger.warn({ thread: request.threadId, err: rendered.error }, 'answer could not be delivered to Discord');
        return (outcome = 'undelivered');
      }
      // A stopped answer is kept as the answer, as far as it got.
      if (end.kind !== 'complete' && end.kind !== 'length' && !signal.aborted) return (outcome = end.kind === 'interrupted' ? 'interrupted' : 'failed');
      const unsaved = await this.commit(prepared, request, result, rendered.messageIds, options);
      if (unsaved) await sink.send(unsaved).catch(() => undefined);
      else if (options.replaceFrom === undefined) await dropPreviousRegenerate(this.deps.store, prepared.meta, sink, logger);
      return (outcome = unsaved ? 'unsaved' : signal.aborted ? 'stopped' : end.kind === 'length' ? 'length' : 'completed');
    } catch (error) {
      outcome = error instanceof TurnRefused ? 'refused' : signal.aborted ? 'stopped' : 'failed';
      if (outcome === 'failed') logger.warn({ thread: request.threadId, err: error }, 'turn failed');
      const end: RenderEnd = signal.aborted ? STOPPED_END : { kind: 'error', notice: userMessageOf(error) };
      await renderer.finish(end).catch(() => undefined);
      return outcome;
    } finally {
      clearTimeout(capacityNotice);
      this.active.end(request.threadId, started);
      await inflight.end();
      this.report(request, {
        outcome,
        model: result?.model ?? model,
        firstTokenMs: firstTokenAt === undefined ? undefined : firstTokenAt - started,
        totalMs: this.now() - started,
        ...(result ? { usage: tokenReport(result), costUsd: result.costUsd } : {}),
      });
    }
  }

  /** One log line per turn (ids and counts, never text), and the observer's report. */
  private report(request: TurnRequest, report: TurnReport): void {
    const { thread, guild, user } = { thread: request.threadId, guild: request.guildId, user: request.userId };
    const { usage, ...rest } = report;
    this.deps.logger.info(
      { thread, guild, user, ...rest, promptTokens: usage?.prompt, completionTokens: usage?.completion },
      'turn',
    );
    this.deps.observer?.turnEnded(report);
  }

  /** Everything before the model call: caps, attachments, moderation, thread, prompt. Throws TurnRefused. */
  private async prepare(request: TurnRequest, sink: MessageSink, options: TurnOptions): Promise<PreparedTurn> {
    const { store, settings } = this.deps;
    const guildSettings = request.guildId ? await store.getGuildSettings(request.guildId) : {};
    await this.allowance.checkDailyCaps(request, guildSettings, this.now());
    const input = options.storedUserParts ? { parts: options.storedUserParts, notices: [] } : await readUserInput(request, settings);
    // Files that could not be read are named; the rest of the message is still answered.
    if (input.parts.length === 0) throw new TurnRefused(input.notices.join('\n') || notices.emptyMessage);
    if (input.notices.length > 0) await sink.send(input.notices.join('\n'));
    // The model client knows whether moderation is on (OPENAI_MODERATION); off, this costs nothing.
    const verdict = await this.deps.model.moderate(moderatedText(input.parts));
    if (verdict.flagged) throw new TurnRefused(notices.moderated);
    const meta = await threadRecordFor(store, request, this.now());
    const systemPrompt = guildSettings.systemPrompt ?? settings.defaultSystemPrompt;
    const history = historyBefore(meta, options);
    const prompt = await this.prompts.build({ request, meta: history, systemPrompt, userParts: input.parts });
    const models = settings.models ?? [settings.model];
    const model = defaultModelFor(guildSettings, { models, defaultModel: settings.model });
    return { ...prompt, meta, model, userParts: input.parts };
  }

  /** Write the exchange; when it could not be kept, the notice saying why (disk full, busy, reset meanwhile…). */
  private async commit(
    prepared: PreparedTurn,
    request: TurnRequest,
    result: ChatResult,
    messageIds: string[],
    options: TurnOptions = {},
  ): Promise<string | undefined> {
    const at = this.now();
    const stored = splitForStorage(prepared.userParts);
    const userTurn: Turn = {
      role: 'user',
      parts: stored.parts,
      authorId: request.userId,
      ...(request.authorName ? { authorName: request.authorName } : {}),
      messageIds: request.messageId ? [request.messageId] : [],
      tokens: prepared.userTokens,
      at,
    };
    const answerTokens = result.usage.estimated ? await countTokensAsync(result.text) : result.usage.completionTokens;
    const answerTurn: Turn = {
      role: 'assistant',
      parts: [{ type: 'text', text: result.text, tokens: answerTokens }],
      authorId: this.deps.botUserId(),
      messageIds,
      tokens: answerTokens,
      at,
    };
    try {
      const { meta, summary } = prepared;
      if (options.replaceFrom === undefined) await this.deps.store.commitTurns(meta, [userTurn, answerTurn], summary, stored.blobs);
      else {
        const from = options.replaceFrom;
        const splice = { from, remove: meta.turnCount - from, insert: [userTurn, answerTurn], blobs: stored.blobs };
        await this.deps.store.spliceTurns(meta, summary ? { ...splice, summary } : splice);
      }
      return undefined;
    } catch (error) {
      const level = error instanceof StoreError ? 'warn' : 'error';
      this.deps.logger[level]({ thread: request.threadId, err: error }, 'turn not committed');
      return error instanceof StoreError ? notSavedNotice(error) : notices.notSaved;
    }
  }
}

const tokenReport = (result: ChatResult): NonNullable<TurnReport['usage']> => ({
  prompt: result.usage.promptTokens,
  cached: 0,
  completion: result.usage.completionTokens,
  reasoning: 0,
});

function renderEnd(result: ChatResult): RenderEnd {
  if (result.error) return { kind: 'interrupted', notice: userMessageOf(result.error) };
  if (result.finishReason === 'length') return { kind: 'length' };
  return { kind: 'complete' };
}
