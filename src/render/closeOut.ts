import type { MessageSink, WriteOptions } from './messageSink.js';
import { UNDELIVERED_NOTICE } from './renderNotices.js';
import type { Slot } from './answerSlots.js';
import type { StreamLayout } from './streamLayout.js';
import { withoutCursor } from './streamView.js';
import type { WriteBudget } from './writeBudget.js';
import { editableAt } from './writePlan.js';

export interface CloseOutContext {
  layout: StreamLayout;
  sink: MessageSink;
  budget: WriteBudget;
  editIntervalMs: number;
}

/**
 * The answer could not be written out: take the cursor off every message that still shows it and say so on the
 * last one, so nothing looks as if it were still coming. One best-effort write each; failures are ignored.
 */
export async function closeOut(context: CloseOutContext): Promise<void> {
  const { layout, sink } = context;
  const posted = layout.slots.filter((slot) => slot.id !== undefined && slot.sent !== undefined);
  const last = posted[posted.length - 1];
  for (const slot of posted) {
    const content = slot === last ? layout.closedWith(slot, UNDELIVERED_NOTICE) : withoutCursor(slot.sent ?? '');
    if (content === slot.sent) continue;
    // The answer has ended: its buttons go too (Stop would stop nothing).
    await bestEffort(context, slot, (options) => sink.edit(slot.id ?? '', content, { ...options, controls: [] }));
  }
  if (!last) await bestEffort(context, undefined, (options) => sink.send(UNDELIVERED_NOTICE, options));
}

async function bestEffort(
  { budget, editIntervalMs }: CloseOutContext,
  slot: Slot | undefined,
  write: (options: WriteOptions) => Promise<unknown>,
): Promise<void> {
  const waitMs = slot ? editableAt(slot, editIntervalMs) - Date.now() : 0;
  if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs));
  try {
    await budget.acquire('urgent');
    await write({ priority: 'urgent', preGranted: true });
  } catch {
    // Discord refuses this one too (or the bot is shutting down): the failure is already reported.
  }
}
