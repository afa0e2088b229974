/**
 * Which buttons each message of an answer shows (SPEC: controls on an answer). The buttons ride on the writes the
 * renderer makes anyway: the growing message carries Stop, a message sealed by a cut or by the end loses it in the
 * same write that gives it its final text, and the last message's final write carries the end state.
 */
import type { AnswerControl } from './messageSink.js';
import type { RenderEnd, Slot } from './answerSlots.js';

export interface ControlPlan {
  /** Buttons on the message that is still growing (Stop). */
  streaming: readonly AnswerControl[];
  /** Buttons on the last message once the answer has ended; how it ended decides (Regenerate, or none). */
  final(end: RenderEnd): readonly AnswerControl[];
}

const keyOf = (controls: readonly AnswerControl[]): string => controls.map((c) => c.customId).join('|');

/** The renderer's bookkeeping of buttons per message; without a plan it never asks for any. */
export class SlotControls {
  private readonly sent = new WeakMap<Slot, string>();

  constructor(private readonly plan: ControlPlan | undefined) {}

  /** What the slot should show now; undefined when the render has no buttons at all. */
  desired(slot: Slot, slots: readonly Slot[], end: RenderEnd | undefined): readonly AnswerControl[] | undefined {
    if (!this.plan) return undefined;
    if (slot.dead || slots[slots.length - 1] !== slot) return [];
    return end === undefined ? this.plan.streaming : this.plan.final(end);
  }

  /** Whether a write is needed for the buttons alone (the content already landed). */
  changed(slot: Slot, controls: readonly AnswerControl[] | undefined): boolean {
    return controls !== undefined && slot.id !== undefined && keyOf(controls) !== (this.sent.get(slot) ?? '');
  }

  landed(slot: Slot, controls: readonly AnswerControl[] | undefined): void {
    if (controls !== undefined) this.sent.set(slot, keyOf(controls));
  }
}
