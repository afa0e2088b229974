/**
 * The public face of the conversation engine: every thread is one conversation, one turn at a time. Callers admit a
 * message synchronously (so arrival order holds), then queue it; the turn itself lives in turnRunner.ts.
 */
import type { MessageSink } from '../render/messageSink.js';
import { turnText } from '../store/types.js';
import { notices } from '../strings.js';
import { KeyedQueue } from '../util/keyedQueue.js';
import { ActiveTurns, type Presser, type StopResult } from './activeTurns.js';
import { Allowance } from './allowance.js';
import { editStoredTurn, findUserTurn, forgetExchange, isLatestExchange } from './historyEdits.js';
import {
  checkRegenerate,
  reanswerEdited,
  regenerateLatest,
  type RegenerateCheck,
  type RegeneratePress,
} from './regenerate.js';
import { PromptBuilder } from './promptBuilder.js';
import { threadRecordFor } from './threadRecord.js';
import { suggestThreadTitle } from './threadTitle.js';
import type { ConversationDeps, Refusal, TurnOutcome, TurnRequest } from './turn.js';
import { TurnRunner } from './turnRunner.js';

export type { ConversationDeps, ConversationSettings, Refusal, TurnOutcome, TurnRequest } from './turn.js';

export class ConversationService {
  private readonly turns = new KeyedQueue();
  private readonly allowance: Allowance;
  private readonly runner: TurnRunner;
  private readonly active = new ActiveTurns();
  private closing = false;
  private readonly now: () => number;

  constructor(private readonly deps: ConversationDeps) {
    this.now = deps.now ?? Date.now;
    this.allowance = new Allowance(deps.settings, deps.store, deps.userLimit);
    this.runner = new TurnRunner(deps, this.allowance, new PromptBuilder(deps), this.active);
  }

  /**
   * Checks that need no I/O, in arrival order, before anything is queued. Takes the user's rate slot when admitted.
   * Synchronous on purpose: two messages of one thread are queued in the order they arrived.
   */
  admit(request: Pick<TurnRequest, 'userId' | 'content' | 'attachments'>): Refusal | undefined {
    const { maxInputChars } = this.deps.settings;
    if (this.closing) return { notice: notices.shuttingDown };
    if (request.content.trim() === '' && !request.attachments?.length) return { notice: notices.emptyMessage };
    // Refused before any tokenizing: the length cap is what keeps hostile text cheap.
    if (request.content.length > maxInputChars)
      return { notice: notices.inputTooLong(request.content.length, maxInputChars) };
    return this.allowance.takeUserSlot(request.userId, this.now());
  }

  /** A message in an existing conversation: admit it, then answer after every earlier turn of the thread. */
  async answer(request: TurnRequest, sink: MessageSink): Promise<TurnOutcome> {
    const refusal = this.admit(request);
    if (refusal) {
      await sink
        .send(refusal.notice)
        .catch((error: unknown) => this.deps.logger.warn({ err: error }, 'notice not delivered'));
      return 'refused';
    }
    return this.turns.run(request.threadId, () => this.runner.run(request, sink));
  }

  /**
   * Start a conversation in a new thread with its already admitted first turn. Queued at once, so a follow-up that
   * arrives before the thread record is written already counts as part of the conversation and waits its turn.
   */
  startConversation(request: TurnRequest, sink: MessageSink): Promise<TurnOutcome> {
    return this.turns.run(request.threadId, async () => {
      await threadRecordFor(this.deps.store, request, this.now());
      return this.runner.run(request, sink);
    });
  }

  /** Whether a thread holds a conversation: stored, or its first turn is already queued. */
  async hasConversation(threadId: string): Promise<boolean> {
    return this.turns.depth(threadId) > 0 || (await this.deps.store.getThread(threadId)) !== undefined;
  }

  /** Forget a thread's turns and summary, after any turn already running or waiting in that thread. */
  reset(threadId: string): Promise<boolean> {
    return this.turns.run(threadId, async () => {
      if (!(await this.deps.store.getThread(threadId))) return false;
      await this.deps.store.resetThread(threadId);
      return true;
    });
  }

  /**
   * A short title from the thread's first exchange (THREAD_TITLES), or undefined. Not queued: the caller runs it
   * after the first turn, so it never delays the next answer.
   */
  suggestTitle(threadId: string): Promise<string | undefined> {
    return suggestThreadTitle(this.deps, threadId);
  }

  /** A Stop press: aborts the running turn when it is the one named and the presser may stop it. */
  stop(threadId: string, startedAt: number, presser: Presser): StopResult {
    return this.active.stop(threadId, startedAt, presser);
  }

  /** Whether a Regenerate press may go ahead (answered within Discord's 3 s; checked again when it runs). */
  checkRegenerate(press: RegeneratePress): Promise<RegenerateCheck> {
    return checkRegenerate(this.deps.store, press);
  }

  /** A new answer to the latest question, after every turn already queued in the thread. */
  regenerate(press: RegeneratePress, sink: MessageSink): Promise<TurnOutcome | 'not-latest' | 'forbidden'> {
    return this.turns.run(press.threadId, () =>
      regenerateLatest(this.deps.store, (r, s, o) => this.runner.run(r, s, o), press, sink),
    );
  }

  /**
   * A member edited a message: the latest question is answered again, an older one has its stored text changed.
   * Edits of messages that are no turn, by someone else, or that leave the text as it was change nothing.
   */
  async messageEdited(request: TurnRequest & { messageId: string }, sink: MessageSink): Promise<EditOutcome> {
    // Only conversations queue anything: a queued task would make any thread look like one (hasConversation).
    if (!(await this.deps.store.getThread(request.threadId))) return 'ignored';
    return this.turns.run(request.threadId, async () => {
      const found = await findUserTurn(this.deps.store, request.threadId, request.messageId);
      if (!found || found.turn.authorId !== request.userId || turnText(found.turn) === request.content)
        return 'ignored';
      if (request.content.length > this.deps.settings.maxInputChars) return 'ignored';
      if (!isLatestExchange(found)) {
        await editStoredTurn(this.deps.store, found, request.content);
        return 'updated';
      }
      await reanswerEdited((r, s, o) => this.runner.run(r, s, o), found, request, sink);
      return 'reanswered';
    });
  }

  /**
   * A message was deleted: the exchange it asked is forgotten, after the running turn (which stops first when it
   * is answering that very message). Resolves with whether anything was forgotten.
   */
  async messageDeleted(threadId: string, messageId: string): Promise<boolean> {
    this.active.abortFor(threadId, messageId);
    if (!(await this.deps.store.getThread(threadId))) return false;
    return this.turns.run(threadId, async () => {
      const found = await findUserTurn(this.deps.store, threadId, messageId);
      if (!found) return false;
      await forgetExchange(this.deps.store, found);
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
}

export type EditOutcome = 'ignored' | 'updated' | 'reanswered';
