/** One turn, top to bottom: prepare → generate → render → commit → log. */
import type { ChatHandlers, ChatResult } from '../llm/chatTypes.js';
import { ContextExceededError } from '../llm/errors.js';
import type { MessageSink } from '../render/messageSink.js';
import { StreamRenderer, type RenderEnd } from '../render/streamRenderer.js';
import { StoreError } from '../store/keyvStore.js';
import type { ThreadMeta, Turn } from '../store/types.js';
import { modelErrorStrings, modelStrings, notices } from '../strings.js';
import { countTokensAsync } from '../tokens/tokenCounter.js';
import type { Allowance } from './allowance.js';
import type { PreparedPrompt, PromptBuilder } from './promptBuilder.js';
import { threadRecordFor } from './threadRecord.js';
import { TurnRefused, userMessageOf, type ConversationDeps, type TurnOutcome, type TurnRequest } from './turn.js';

/** How long a turn waits for model capacity before the thread says so. */
const CAPACITY_NOTICE_AFTER_MS = 3_000;

interface PreparedTurn extends PreparedPrompt {
  meta: ThreadMeta;
  model: string;
  systemPrompt: string;
}

interface Generated {
  prepared: PreparedTurn;
  result: ChatResult;
}

export class TurnRunner {
  private readonly now: () => number;

  constructor(
    private readonly deps: ConversationDeps,
    private readonly allowance: Allowance,
    private readonly prompts: PromptBuilder,
  ) {
    this.now = deps.now ?? Date.now;
  }

  async run(request: TurnRequest, sink: MessageSink): Promise<TurnOutcome> {
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
      let prepared = await this.prepare(request);
      model = prepared.model;
      const handlers: ChatHandlers = {
          onDelta: (text) => {
            firstTokenAt ??= this.now();
            renderer.push(text);
          },
          onThinking: () => {
            if (firstTokenAt === undefined) renderer.setStatus(modelStrings.thinking);
          },
          // The typing indicator covers short waits; a visible status only once the wait is noticeable.
          onQueued: ({ position }) => {
            clearTimeout(capacityNotice);
            capacityNotice = setTimeout(() => {
              if (firstTokenAt === undefined) renderer.setStatus(notices.waitingForCapacity(position));
            }, CAPACITY_NOTICE_AFTER_MS);
          },
      };
      ({ prepared, result } = await this.generate(request, prepared, handlers));
      clearTimeout(capacityNotice);
      const end = renderEnd(result);
      const rendered = await renderer.finish(end);
      if (!rendered.delivered) {
        logger.warn({ thread: request.threadId, err: rendered.error }, 'answer could not be delivered to Discord');
        return (outcome = 'undelivered');
      }
      if (end.kind !== 'complete' && end.kind !== 'length') return (outcome = end.kind === 'interrupted' ? 'interrupted' : 'failed');
      const saved = await this.commit(prepared, request, result, rendered.messageIds);
      if (!saved) await sink.send(notices.notSaved).catch(() => undefined);
      return (outcome = !saved ? 'unsaved' : end.kind === 'length' ? 'length' : 'completed');
    } catch (error) {
      outcome = error instanceof TurnRefused ? 'refused' : 'failed';
      if (!(error instanceof TurnRefused)) logger.warn({ thread: request.threadId, err: error }, 'turn failed');
      await renderer.finish({ kind: 'error', notice: userMessageOf(error) }).catch(() => undefined);
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
          cachedTokens: result?.usage.cachedTokens,
          reasoningTokens: result?.usage.reasoningTokens,
          firstTokenMs: firstTokenAt === undefined ? undefined : firstTokenAt - started,
          totalMs: this.now() - started,
          outcome,
        },
        'turn',
      );
    }
  }

  /**
   * The model call. A server whose window is smaller than we thought (context error) teaches the catalog its size;
   * the prompt is rebuilt to fit and sent once more.
   */
  private async generate(request: TurnRequest, prepared: PreparedTurn, handlers: ChatHandlers): Promise<Generated> {
    const { model, logger } = this.deps;
    // Only a small model window lowers the cap; otherwise the client's MAX_COMPLETION_TOKENS applies.
    const cap = (p: PreparedTurn) =>
      p.maxCompletionTokens < this.deps.settings.maxCompletionTokens ? { maxCompletionTokens: p.maxCompletionTokens } : {};
    const call = (p: PreparedTurn) =>
      model.streamChat(
        {
          messages: p.messages,
          promptTokens: p.promptTokens,
          userId: request.userId,
          guildId: request.guildId,
          model: p.model,
          cacheKey: request.threadId,
          ...cap(p),
        },
        handlers,
      );
    try {
      return { prepared, result: await call(prepared) };
    } catch (error) {
      if (!(error instanceof ContextExceededError) || !model.catalog) throw error;
      if (error.promptTokens) model.catalog.observePrompt(prepared.model, prepared.promptTokens, error.promptTokens);
      // Without a size in the error, assume the window is a good step below what was just sent.
      const sent = prepared.promptTokens + prepared.maxCompletionTokens;
      model.catalog.learnWindow(prepared.model, error.contextWindow ?? Math.floor(sent * 0.75));
      const fields = { thread: request.threadId, model: prepared.model, window: error.contextWindow };
      logger.warn(fields, 'context window smaller than configured; refitting');
      const { meta, systemPrompt } = prepared;
      const refitted = await this.prompts
        .build({ request, meta, systemPrompt, model: prepared.model })
        .catch((refit: unknown) => {
          throw refit instanceof TurnRefused ? new TurnRefused(modelErrorStrings.contextExceeded) : refit;
        });
      const retried = { ...prepared, ...refitted };
      return { prepared: retried, result: await call(retried) };
    }
  }

  /** The thread's own choice, else the server's default, else OPENAI_MODEL; a name no longer offered falls back. */
  private modelFor(meta: ThreadMeta, guildDefault: string | undefined): string {
    return this.deps.model.catalog?.inForce(meta.model, guildDefault) ?? this.deps.settings.model;
  }

  /** Everything before the model call: caps, moderation, the thread record, the prompt. Throws TurnRefused. */
  private async prepare(request: TurnRequest): Promise<PreparedTurn> {
    const { store, settings } = this.deps;
    await this.allowance.checkDailyCaps(request.guildId, this.now());
    // The model client knows whether moderation is on (OPENAI_MODERATION); off, this costs nothing.
    const verdict = await this.deps.model.moderate(request.content);
    if (verdict.flagged) throw new TurnRefused(notices.moderated);
    const meta = await threadRecordFor(store, request, this.now());
    const guildSettings = request.guildId ? await store.getGuildSettings(request.guildId) : {};
    const systemPrompt = guildSettings.systemPrompt ?? settings.defaultSystemPrompt;
    const model = this.modelFor(meta, guildSettings.defaultModel);
    const prompt = await this.prompts.build({ request, meta, systemPrompt, model });
    return { ...prompt, meta, model, systemPrompt };
  }

  /** Write the exchange; false when it could not be kept (thread reset meanwhile, store unavailable). */
  private async commit(prepared: PreparedTurn, request: TurnRequest, result: ChatResult, messageIds: string[]): Promise<boolean> {
    const at = this.now();
    const userTurn: Turn = {
      role: 'user',
      parts: [{ type: 'text', text: request.content, tokens: prepared.userTokens }],
      authorId: request.userId,
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
      await this.deps.store.commitTurns(prepared.meta, [userTurn, answerTurn], prepared.summary);
      return true;
    } catch (error) {
      const level = error instanceof StoreError ? 'warn' : 'error';
      this.deps.logger[level]({ thread: request.threadId, err: error }, 'turn not committed');
      return false;
    }
  }
}

function renderEnd(result: ChatResult): RenderEnd {
  if (result.error) return { kind: 'interrupted', notice: userMessageOf(result.error) };
  // A reasoning model can spend the whole cap thinking: say so rather than show (or keep) an empty answer.
  if (result.text.trim() === '' && result.finishReason === 'length') {
    return { kind: 'error', notice: modelStrings.thoughtWholeBudget };
  }
  if (result.finishReason === 'length') return { kind: 'length' };
  return { kind: 'complete' };
}
