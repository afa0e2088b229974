/** One turn, top to bottom: prepare → generate → render → commit → log. */
import type { ContentPart } from '../input/contentParts.js';
import type { ChatResult } from '../llm/chatTypes.js';
import type { MessageSink } from '../render/messageSink.js';
import { StreamRenderer, type RenderEnd } from '../render/streamRenderer.js';
import { modelStrings, notices, toolStrings } from '../strings.js';
import type { ToolExchangeMessage } from '../tools/toolMessages.js';
import { ActiveTurns } from './activeTurns.js';
import type { Allowance } from './allowance.js';
import { commitExchange } from './commitExchange.js';
import { generateAnswer, type PreparedTurn } from './generateAnswer.js';
import { toolsAllowed } from './guildSettings.js';
import { InflightAnswer } from './inflightAnswer.js';
import type { PromptBuilder } from './promptBuilder.js';
import { threadRecordFor } from './threadRecord.js';
import { TurnProgress } from './turnProgress.js';
import {
  TurnRefused,
  userMessageOf,
  type ConversationDeps,
  type TurnOutcome,
  type TurnReport,
  type TurnRequest,
} from './turn.js';
import {
  dropPreviousRegenerate,
  historyBefore,
  STOPPED_END,
  turnControlPlan,
  type TurnOptions,
} from './turnControls.js';
import { readUserInput } from './userInput.js';

/** What the moderation check reads: the message's text and the text files it carries. */
const moderatedText = (parts: readonly ContentPart[]): string =>
  parts
    .map((part) => (part.type === 'image' ? '' : part.text))
    .filter(Boolean)
    .join('\n\n');

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
    this.deps.observer?.turnStarted();
    // Messages this answer posts are recorded until the turn ends, so a restart can close them (catch-up).
    const inflight = await InflightAnswer.begin(this.deps.store, logger, { ...request, startedAt: started });
    // A Stop press (or deleting the message being answered) aborts the model request through this signal.
    const turn = { askerId: request.userId, startedAt: started, messageId: request.messageId };
    const signal = this.active.begin(request.threadId, turn);
    const renderer = new StreamRenderer(inflight.wrap(sink), {
      editIntervalMs: settings.editIntervalMs,
      budget: this.deps.editBudget,
      controls: turnControlPlan(request.threadId, started, () => signal.aborted),
    });
    renderer.start();
    const progress = new TurnProgress(renderer, this.now);
    let outcome: TurnOutcome = 'failed';
    let result: ChatResult | undefined;
    let model = settings.model;
    try {
      let prepared = await this.prepare(request, sink, options);
      model = prepared.model;
      const generateDeps = {
        ...this.deps,
        prompts: this.prompts,
        maxCompletionTokens: settings.maxCompletionTokens,
        maxToolRounds: settings.tools.maxRounds,
      };
      const generate = {
        handlers: progress.handlers,
        signal,
        toolsAllowed: toolsAllowed(prepared.guildSettings),
        onToolUse: (names: string[]) => renderer.setStatus(toolStrings.using(names)),
      };
      let exchange: ToolExchangeMessage[];
      ({ prepared, result, exchange } = await generateAnswer(generateDeps, request, prepared, generate));
      progress.settle();
      const end = signal.aborted ? STOPPED_END : renderEnd(result);
      const rendered = await renderer.finish(end);
      if (!rendered.delivered) {
        logger.warn({ thread: request.threadId, err: rendered.error }, 'answer could not be delivered to Discord');
        return (outcome = 'undelivered');
      }
      // A stopped answer is kept as the answer, as far as it got.
      if (end.kind !== 'complete' && end.kind !== 'length' && !signal.aborted) {
        return (outcome = end.kind === 'interrupted' ? 'interrupted' : 'failed');
      }
      const shown = { prepared, result, exchange, messageIds: rendered.messageIds };
      const saved = await this.keep(request, shown, sink, options);
      return (outcome = !saved
        ? 'unsaved'
        : signal.aborted
          ? 'stopped'
          : end.kind === 'length'
            ? 'length'
            : 'completed');
    } catch (error) {
      outcome = error instanceof TurnRefused ? 'refused' : signal.aborted ? 'stopped' : 'failed';
      if (outcome === 'failed') logger.warn({ thread: request.threadId, err: error }, 'turn failed');
      const end: RenderEnd = signal.aborted ? STOPPED_END : { kind: 'error', notice: userMessageOf(error) };
      await renderer.finish(end).catch(() => undefined);
      return outcome;
    } finally {
      progress.settle();
      this.active.end(request.threadId, started);
      await inflight.end();
      const { firstTokenAt } = progress;
      this.report(request, {
        outcome,
        model: result?.model ?? model,
        firstTokenMs: firstTokenAt === undefined ? undefined : firstTokenAt - started,
        totalMs: this.now() - started,
        ...(result ? { usage: tokenReport(result), costUsd: result.costUsd } : {}),
      });
    }
  }

  /**
   * Commit the exchange the user was shown; false when it could not be saved (the user is told). A new answer
   * takes Regenerate off the previous one.
   */
  private async keep(
    request: TurnRequest,
    shown: { prepared: PreparedTurn; result: ChatResult; exchange: ToolExchangeMessage[]; messageIds: string[] },
    sink: MessageSink,
    options: TurnOptions,
  ): Promise<boolean> {
    const { store, logger } = this.deps;
    const commit = { ...shown, request, at: this.now(), botUserId: this.deps.botUserId() };
    const unsaved = await commitExchange(store, logger, { ...commit, replaceFrom: options.replaceFrom });
    if (unsaved) await sink.send(unsaved).catch(() => undefined);
    else if (options.replaceFrom === undefined) await dropPreviousRegenerate(store, shown.prepared.meta, sink, logger);
    return unsaved === undefined;
  }

  /** One log line per turn (ids and counts, never text), and the observer's report. */
  private report(request: TurnRequest, report: TurnReport): void {
    const { thread, guild, user } = { thread: request.threadId, guild: request.guildId, user: request.userId };
    const { usage, ...rest } = report;
    const tokens = usage && {
      promptTokens: usage.prompt,
      completionTokens: usage.completion,
      cachedTokens: usage.cached,
      reasoningTokens: usage.reasoning,
    };
    this.deps.logger.info({ thread, guild, user, ...rest, ...tokens }, 'turn');
    this.deps.observer?.turnEnded(report);
  }

  /** Everything before the model call: caps, attachments, moderation, thread, prompt. Throws TurnRefused. */
  private async prepare(request: TurnRequest, sink: MessageSink, options: TurnOptions): Promise<PreparedTurn> {
    const { store, settings } = this.deps;
    const guildSettings = request.guildId ? await store.getGuildSettings(request.guildId) : {};
    await this.allowance.checkDailyCaps(request, guildSettings, this.now());
    const input = options.storedUserParts
      ? { parts: options.storedUserParts, notices: [] }
      : await readUserInput(request, settings);
    // Files that could not be read are named; the rest of the message is still answered.
    if (input.parts.length === 0) throw new TurnRefused(input.notices.join('\n') || notices.emptyMessage);
    if (input.notices.length > 0) await sink.send(input.notices.join('\n'));
    // The model client knows whether moderation is on (OPENAI_MODERATION); off, this costs nothing.
    const verdict = await this.deps.model.moderate(moderatedText(input.parts));
    if (verdict.flagged) throw new TurnRefused(notices.moderated);
    const meta = await threadRecordFor(store, request, this.now());
    const systemPrompt = guildSettings.systemPrompt ?? settings.defaultSystemPrompt;
    // The thread's own choice, else the server's default, else OPENAI_MODEL; a name no longer offered falls back.
    const model = this.deps.model.catalog?.inForce(meta.model, guildSettings.defaultModel) ?? settings.model;
    const promptInput = { meta, systemPrompt, model, userParts: input.parts };
    // Regenerating (or re-answering an edit): the history ends before the exchange being replaced.
    const prompt = await this.prompts.build({ request, ...promptInput, meta: historyBefore(meta, options) });
    return { ...prompt, ...promptInput, guildSettings };
  }
}

const tokenReport = (result: ChatResult): NonNullable<TurnReport['usage']> => ({
  prompt: result.usage.promptTokens,
  cached: result.usage.cachedTokens ?? 0,
  completion: result.usage.completionTokens,
  reasoning: result.usage.reasoningTokens ?? 0,
});

function renderEnd(result: ChatResult): RenderEnd {
  if (result.error) return { kind: 'interrupted', notice: userMessageOf(result.error) };
  // A reasoning model can spend the whole cap thinking: say so rather than show (or keep) an empty answer.
  if (result.text.trim() === '' && result.finishReason === 'length') {
    return { kind: 'error', notice: modelStrings.thoughtWholeBudget };
  }
  if (result.finishReason === 'length') return { kind: 'length' };
  return { kind: 'complete' };
}
