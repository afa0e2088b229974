import type { SlotControls } from './answerControls.js';
import type { AnswerControl } from './messageSink.js';
import type { RenderEnd, Slot } from './answerSlots.js';
import type { StreamLayout } from './streamLayout.js';
import type { WritePriority } from './writeBudget.js';

/** The next write: send the slot if it has no id yet, else edit it. */
export interface Write {
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

/**
 * When a posted message may next be written. Spacing counts from when the previous write was acknowledged, so a
 * slow or retried one is never followed by the next at once.
 */
export const editableAt = (slot: Slot, editIntervalMs: number): number =>
  Math.max(slot.lastWriteAt + editIntervalMs, slot.retryAt);

/** Decides which message is written next and with what; it writes nothing itself. */
export class WritePlanner {
  constructor(
    private readonly layout: StreamLayout,
    private readonly controls: SlotControls,
    private readonly editIntervalMs: number,
  ) {}

  /**
   * The first write that may go now, else the one that may go soonest. Earlier messages first, and a message is
   * posted only once the one before it shows its final text, so no reader ever sees a part twice.
   */
  next(end: RenderEnd | undefined): Write | undefined {
    if (end !== undefined) this.layout.finalize(end);
    else this.layout.update();
    const now = Date.now();
    let soonest: Write | undefined;
    let previousSettled = true;
    for (const slot of this.layout.slots) {
      const write = this.writeFor(slot, previousSettled, end);
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

  private writeFor(slot: Slot, previousSettled: boolean, renderEnd: RenderEnd | undefined): Write | undefined {
    const content = this.layout.desired(slot);
    const controls = this.controls.desired(slot, this.layout.slots, renderEnd);
    if (content === undefined || (content === slot.sent && !this.controls.changed(slot, controls))) return undefined;
    const end = content === slot.final ? slot.finalEnd : content === slot.view ? slot.viewEnd : slot.start;
    const write = { slot, content, end, cleanup: false, controls };
    if (slot.id === undefined) {
      if (!previousSettled) return undefined;
      return { ...write, readyAt: Math.max(Date.now(), slot.retryAt), priority: 'urgent' };
    }
    const readyAt = editableAt(slot, this.editIntervalMs);
    if (slot.dead) {
      const next = this.layout.slots[this.layout.slots.indexOf(slot) + 1];
      if (next && next.id === undefined) return undefined; // clean up once the answer goes on below
      return { ...write, readyAt, priority: 'stream', cleanup: true };
    }
    return { ...write, readyAt, priority: slot.final !== undefined ? 'urgent' : 'stream' };
  }
}
