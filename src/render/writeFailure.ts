import { renderStrings } from '../strings.js';
import { failureKind } from './messageSink.js';
import type { Slot } from './answerSlots.js';
import type { StreamLayout } from './streamLayout.js';

/** Transient failures of one message's writes before it counts as uneditable (edits) or the render fails (sends). */
const MAX_TRANSIENT_FAILURES = 4;
const RETRY_BASE_MS = 500;
const RETRY_MAX_MS = 8_000;
/** Continuation messages after uneditable ones, at most: a thread that refuses every write is not chased forever. */
const MAX_CONTINUATIONS = 3;

/**
 * A write to `slot` failed: retry it later, or continue the answer in a new message. Returns true when neither is
 * possible and the render has failed (the caller then closes out, so the answer never stops without saying so).
 */
export function absorbWriteFailure(
  layout: StreamLayout,
  slot: Slot,
  error: unknown,
  cleanup: boolean,
  editIntervalMs: number,
): boolean {
  if (cleanup) {
    slot.sent = slot.final; // best effort only: the answer already went on in the next message
    return false;
  }
  const kind = failureKind(error);
  if (kind === 'transient' && slot.failures < MAX_TRANSIENT_FAILURES) {
    slot.failures += 1;
    const backoffMs = RETRY_BASE_MS * 2 ** (slot.failures - 1);
    slot.retryAt = Date.now() + Math.min(RETRY_MAX_MS, Math.max(editIntervalMs, backoffMs));
    return false;
  }
  const continuations = layout.slots.filter((s) => s.dead).length;
  if (slot.id !== undefined && kind !== 'fatal' && continuations < MAX_CONTINUATIONS) {
    layout.continueAfter(slot, renderStrings.continued, kind === 'gone');
    return false;
  }
  return true;
}
