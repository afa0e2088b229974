import { renderStrings } from '../strings.js';
import { SlotControls, type ControlPlan } from './answerControls.js';
import { failureKind, type AnswerControl, type MessageSink, type WriteOptions } from './messageSink.js';
import { UNDELIVERED_NOTICE } from './renderNotices.js';
import { DISCORD_MESSAGE_LIMIT, assertSplitLimit } from './splitMessage.js';
import { StreamLayout, type RenderEnd, type Slot } from './streamLayout.js';
import { STREAM_CURSOR, withoutCursor } from './streamView.js';
import { DEFAULT_TYPING_INTERVAL_MS, TypingIndicator } from './typingIndicator.js';
import type { WritePriority, WriteBudget } from './writeBudget.js';

export type { RenderEnd } from './streamLayout.js';
export { EMPTY_ANSWER_NOTICE, LENGTH_NOTICE, UNDELIVERED_NOTICE, formatNotice } from './renderNotices.js';
export { STREAM_CURSOR };

export interface StreamRendererOptions {
  /** Least time between two writes to ONE message (config EDIT_INTERVAL_MS). */
  editIntervalMs: number;
  /** Bot-wide budget of Discord requests, shared by every stream. */
  budget: WriteBudget;
  /** Longest message content; Discord's limit by default. */
  maxLength?: number;
  /** How often to refresh the typing indicator before the first visible text. */
  typingIntervalMs?: number;
  /** Stop/Regenerate buttons (answerControls.ts); none when omitted. */
  controls?: ControlPlan;
}

export interface RenderResult {
  /** Every message this render posted, in order. */
  messageIds: string[];
  /** The answer text as delivered, without cursor, notices or fence repairs. */
  text: string;
  /**
   * The reader saw the whole answer (or its notice): every message landed with its final content, or, for a
   * message that could no longer be edited, the answer went on from what it showed in the next message.
   */
  delivered: boolean;
  /** The first sink (or budget) failure, when not delivered. */
  error?: unknown;
}

/** The next write: send the slot if it has no id yet, else edit it. */
interface Write {
  slot: Slot;
  content: string;
  /** Answer offset the content shows up to. */
  end: number;
  /** Earliest time (ms) the write may be issued. */
  readyAt: number;
  priority: WritePriority;
  /** Best-effort edit taking the cursor off a message that could not be edited (its failure is ignored). */
  cleanup: boolean;
  /** Buttons the message shows after this write (undefined: the render has none). */
  controls: readonly AnswerControl[] | undefined;
}

/** Transient failures of one message's writes before it counts as uneditable (edits) or the render fails (sends). */
const MAX_TRANSIENT_FAILURES = 4;
const RETRY_BASE_MS = 500;
const RETRY_MAX_MS = 8_000;
/** Continuation messages after uneditable ones, at most: a thread that refuses every write is not chased forever. */
const MAX_CONTINUATIONS = 3;

/**
 * Turns a stream of text deltas into Discord messages a reader watches grow.
 *
 * One loop per stream issues every write, one at a time, so a message never has two requests in flight and
 * each write carries the latest text. A message is written at most once per `editIntervalMs`, and each write
 * first takes a grant from the shared budget, so under load every stream slows down evenly instead of queueing
 * stale edits. push() only appends; the loop picks the text up when the message may next be written.
 */
export class StreamRenderer {
  private readonly layout: StreamLayout;
  private readonly typing: TypingIndicator;
  private readonly editIntervalMs: number;
  private readonly budget: WriteBudget;
  private end: RenderEnd | undefined;
  private failure: { error: unknown } | undefined;
  private loop: Promise<void> | undefined;
  private finished: Promise<RenderResult> | undefined;
  /** Ends the loop's current wait early. */
  private wake: (() => void) | undefined;
  /** Whether new text (or a status) should end the loop's current wait. */
  private wakeOnInput = false;
  private readonly controls: SlotControls;

  constructor(
    private readonly sink: MessageSink,
    options: StreamRendererOptions,
  ) {
    const maxLength = options.maxLength ?? DISCORD_MESSAGE_LIMIT;
    assertSplitLimit(maxLength);
    if (!(options.editIntervalMs >= 0)) throw new RangeError(`editIntervalMs must be >= 0, got ${options.editIntervalMs}`);
    this.editIntervalMs = options.editIntervalMs;
    this.budget = options.budget;
    this.controls = new SlotControls(options.controls);
    this.layout = new StreamLayout(maxLength);
    // Typing is cosmetic: it uses a budget grant when one is free and is skipped (not queued) when writes are busy,
    // so many answers starting at once cannot push the bot over Discord's global limit.
    this.typing = new TypingIndicator(
      () => (this.budget.tryAcquire() ? sink.typing({ priority: 'spare', preGranted: true }) : Promise.resolve()),
      options.typingIntervalMs ?? DEFAULT_TYPING_INTERVAL_MS,
    );
  }

  /** Show the typing indicator now and keep it up until the first message is posted or finish() is called. */
  start(): void {
    if (this.end === undefined) this.typing.start();
  }

  /** A status shown before any answer text (e.g. waiting for model capacity); the answer replaces it. */
  setStatus(text: string): void {
    if (this.end !== undefined) return;
    this.layout.setStatus(text);
    this.poke();
  }

  /** Append answer text. Never waits for the network and never throws. */
  push(delta: string): void {
    if (this.end !== undefined || delta === '') return;
    this.layout.append(delta);
    this.poke();
  }

  /** Write everything out (final edits, notice) and resolve once it has landed or failed. Idempotent. */
  finish(end: RenderEnd): Promise<RenderResult> {
    if (this.finished) return this.finished;
    this.end = end;
    this.typing.stop();
    const loop = this.ensureLoop();
    this.wake?.();
    this.finished = loop.then(() => this.result());
    return this.finished;
  }

  private poke(): void {
    this.ensureLoop();
    if (this.wakeOnInput) this.wake?.();
  }

  private ensureLoop(): Promise<void> {
    this.loop ??= this.run();
    return this.loop;
  }

  private async run(): Promise<void> {
    await this.write();
    if (this.failure) await this.closeOut();
  }

  private async write(): Promise<void> {
    while (!this.failure) {
      const next = this.plan();
      if (!next) {
        if (this.end !== undefined) return;
        await this.sleep(undefined);
        continue;
      }
      const waitMs = next.readyAt - Date.now();
      if (waitMs > 0) {
        await this.sleep(waitMs);
        continue;
      }
      try {
        await this.budget.acquire(next.priority);
      } catch (error) {
        this.fail(error);
        return;
      }
      // Plan again: text may have arrived while we waited for the grant, and the write should carry it.
      const write = this.plan();
      if (write && write.readyAt <= Date.now()) await this.perform(write);
    }
  }

  /**
   * The first write that may go now, else the one that may go soonest. Earlier messages first, and a message is
   * posted only once the one before it shows its final text, so no reader ever sees a part twice.
   */
  private plan(): Write | undefined {
    if (this.end !== undefined) this.layout.finalize(this.end);
    else this.layout.update();
    const now = Date.now();
    let soonest: Write | undefined;
    let previousSettled = true;
    for (const slot of this.layout.slots) {
      const write = this.writeFor(slot, previousSettled);
      previousSettled = slot.dead || (slot.final !== undefined && slot.sent === slot.final);
      if (!write) {
        if (slot.id === undefined && !slot.dead) break; // nothing later may be posted before this one
        continue;
      }
      if (write.readyAt <= now) return write;
      if (!soonest || write.readyAt < soonest.readyAt) soonest = write;
    }
    return soonest;
  }

  private writeFor(slot: Slot, previousSettled: boolean): Write | undefined {
    const content = this.layout.desired(slot);
    const controls = this.controls.desired(slot, this.layout.slots, this.end);
    if (content === undefined || (content === slot.sent && !this.controls.changed(slot, controls))) return undefined;
    const end = content === slot.final ? slot.finalEnd : content === slot.view ? slot.viewEnd : slot.start;
    if (slot.id === undefined) {
      if (!previousSettled) return undefined;
      return { slot, content, end, readyAt: Math.max(Date.now(), slot.retryAt), priority: 'urgent', cleanup: false, controls };
    }
    // Spacing counts from when the previous write was acknowledged, so a slow or retried one is never followed
    // by the next at once.
    const readyAt = Math.max(slot.lastWriteAt + this.editIntervalMs, slot.retryAt);
    if (slot.dead) {
      const next = this.layout.slots[this.layout.slots.indexOf(slot) + 1];
      if (next && next.id === undefined) return undefined; // clean up once the answer goes on below
      return { slot, content, end, readyAt, priority: 'stream', cleanup: true, controls };
    }
    return { slot, content, end, readyAt, priority: slot.final !== undefined ? 'urgent' : 'stream', cleanup: false, controls };
  }

  private async perform({ slot, content, end, priority, cleanup, controls }: Write): Promise<void> {
    const options = { priority, preGranted: true, ...(controls ? { controls } : {}) };
    try {
      if (slot.id === undefined) {
        this.typing.stop(); // the message itself now shows that we are answering
        slot.id = await this.sink.send(content, options);
      } else {
        await this.sink.edit(slot.id, content, options);
      }
      slot.sent = content;
      slot.sentEnd = end;
      slot.failures = 0;
      this.controls.landed(slot, controls);
    } catch (error) {
      this.failed(slot, error, cleanup, controls);
    } finally {
      slot.lastWriteAt = Date.now();
    }
  }

  /** Retry later, continue in a new message, or give up: never leave the answer half-finished without saying so. */
  private failed(slot: Slot, error: unknown, cleanup: boolean, controls?: readonly AnswerControl[]): void {
    if (cleanup) {
      // Best effort only: the answer already went on in the next message; its buttons are not chased either.
      slot.sent = slot.final;
      this.controls.landed(slot, controls);
      return;
    }
    const kind = failureKind(error);
    if (kind === 'transient' && slot.failures < MAX_TRANSIENT_FAILURES) {
      slot.failures += 1;
      slot.retryAt = Date.now() + Math.min(RETRY_MAX_MS, Math.max(this.editIntervalMs, RETRY_BASE_MS * 2 ** (slot.failures - 1)));
      return;
    }
    const continuations = this.layout.slots.filter((s) => s.dead).length;
    if (slot.id !== undefined && kind !== 'fatal' && continuations < MAX_CONTINUATIONS) {
      this.layout.continueAfter(slot, renderStrings.continued, kind === 'gone');
      return;
    }
    this.fail(error);
  }

  /**
   * The answer could not be written out: take the cursor off every message that still shows it and say so on the
   * last one, so nothing looks as if it were still coming. One best-effort write each; failures are ignored.
   */
  private async closeOut(): Promise<void> {
    const posted = this.layout.slots.filter((slot) => slot.id !== undefined && slot.sent !== undefined);
    const last = posted[posted.length - 1];
    for (const slot of posted) {
      const content = slot === last ? this.layout.closedWith(slot, UNDELIVERED_NOTICE) : withoutCursor(slot.sent ?? '');
      if (content === slot.sent) continue;
      // The answer has ended: its buttons go too (Stop would stop nothing).
      await this.bestEffort(slot, (options) => this.sink.edit(slot.id ?? '', content, { ...options, controls: [] }));
    }
    if (!last) await this.bestEffort(undefined, (options) => this.sink.send(UNDELIVERED_NOTICE, options));
  }

  private async bestEffort(slot: Slot | undefined, write: (options: WriteOptions) => Promise<unknown>): Promise<void> {
    const waitMs = slot ? Math.max(slot.lastWriteAt + this.editIntervalMs, slot.retryAt) - Date.now() : 0;
    if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs));
    try {
      await this.budget.acquire('urgent');
      await write({ priority: 'urgent', preGranted: true });
    } catch {
      // Discord refuses this one too (or the bot is shutting down): the failure is already reported.
    }
  }

  private fail(error: unknown): void {
    this.failure ??= { error };
    this.typing.stop();
  }

  /** Wait for `ms` (or until woken when undefined); finish() always wakes, new text wakes when it could matter. */
  private sleep(ms: number | undefined): Promise<void> {
    return new Promise((resolve) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      this.wake = () => {
        if (timer !== undefined) clearTimeout(timer);
        this.wake = undefined;
        this.wakeOnInput = false;
        resolve();
      };
      // A message not yet posted may be sent at once; otherwise new text waits for the interval anyway.
      this.wakeOnInput = ms === undefined || this.layout.slots[this.layout.slots.length - 1]?.id === undefined;
      if (ms !== undefined) timer = setTimeout(this.wake, ms);
    });
  }

  private result(): RenderResult {
    const slots = this.layout.slots;
    const landed = slots.filter((slot) => slot.dead || (slot.final !== undefined && slot.sent === slot.final));
    const result: RenderResult = {
      messageIds: slots.flatMap((slot) => (slot.id === undefined ? [] : [slot.id])),
      text: landed.map((slot) => slot.body).join(''),
      delivered: this.failure === undefined && landed.length === slots.length,
    };
    if (this.failure) result.error = this.failure.error;
    return result;
  }
}
