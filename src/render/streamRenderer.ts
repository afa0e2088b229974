import { SlotControls, type ControlPlan } from './answerControls.js';
import { closeOut } from './closeOut.js';
import type { MessageSink } from './messageSink.js';
import { DISCORD_MESSAGE_LIMIT, assertSplitLimit } from './splitMessage.js';
import type { RenderEnd } from './answerSlots.js';
import { StreamLayout } from './streamLayout.js';
import { STREAM_CURSOR } from './streamView.js';
import { DEFAULT_TYPING_INTERVAL_MS, TypingIndicator } from './typingIndicator.js';
import type { WriteBudget } from './writeBudget.js';
import { absorbWriteFailure } from './writeFailure.js';
import { WritePlanner, type Write } from './writePlan.js';

export type { RenderEnd } from './answerSlots.js';
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
  private readonly planner: WritePlanner;

  constructor(
    private readonly sink: MessageSink,
    options: StreamRendererOptions,
  ) {
    const maxLength = options.maxLength ?? DISCORD_MESSAGE_LIMIT;
    assertSplitLimit(maxLength);
    if (!(options.editIntervalMs >= 0))
      throw new RangeError(`editIntervalMs must be >= 0, got ${options.editIntervalMs}`);
    this.editIntervalMs = options.editIntervalMs;
    this.budget = options.budget;
    this.controls = new SlotControls(options.controls);
    this.layout = new StreamLayout(maxLength);
    this.planner = new WritePlanner(this.layout, this.controls, this.editIntervalMs);
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
    if (this.failure) {
      await closeOut({
        layout: this.layout,
        sink: this.sink,
        budget: this.budget,
        editIntervalMs: this.editIntervalMs,
      });
    }
  }

  private async write(): Promise<void> {
    while (!this.failure) {
      const next = this.planner.next(this.end);
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
      const write = this.planner.next(this.end);
      if (write && write.readyAt <= Date.now()) await this.perform(write);
    }
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
      // A dead message's buttons are not chased either: mark them as settled whatever the write did.
      if (cleanup) this.controls.landed(slot, controls);
      if (absorbWriteFailure(this.layout, slot, error, cleanup, this.editIntervalMs)) this.fail(error);
    } finally {
      slot.lastWriteAt = Date.now();
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
