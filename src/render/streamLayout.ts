import { lastGraphemeStart } from '../text/graphemes.js';
import { truncateText } from '../text/truncate.js';
import { EMPTY_ANSWER_NOTICE, LENGTH_NOTICE, NOTICE_SEPARATOR, formatNotice } from './renderNotices.js';
import {
  NO_CARRY,
  carryAt,
  chunkAt,
  findCut,
  isVisible,
  scanMessage,
  type Carry,
  type MessageMap,
} from './splitMessage.js';
import { visibleEnd, withCursor } from './streamView.js';

/** How an answer ended (see StreamRenderer.finish). */
export type RenderEnd =
  | { kind: 'complete' }
  | { kind: 'length' } // finish_reason=length
  | { kind: 'interrupted'; notice: string } // stream died mid-way; notice is plain-language
  | { kind: 'error'; notice: string }; // failure (possibly before any text)

/** One Discord message of the answer: what it should show, and what has been written to it. */
export interface Slot {
  /** Answer offset where this message's part begins. */
  start: number;
  /** What is open at `start` (code block, emphasis, quote), reopened at the top of this message. */
  carried: Carry;
  /** Content while growing (with cursor), or undefined when there is nothing visible yet. */
  view: string | undefined;
  /** Final content, once this message's part of the answer is decided; then it is never edited again. */
  final: string | undefined;
  /** The answer text this message carries (set when final), without repairs or notices. */
  body: string;
  /** Delivery state, owned by the renderer. */
  id: string | undefined;
  /** Content of the last write that landed. */
  sent: string | undefined;
  /** When the last write to this message was issued (ms). */
  lastWriteAt: number;
}

function newSlot(start: number, carried: Carry, final?: string): Slot {
  return { start, carried, view: undefined, final, body: '', id: undefined, sent: undefined, lastWriteAt: -Infinity };
}

/**
 * Decides which message shows which part of the answer. Pure bookkeeping, no I/O or timers: the renderer calls
 * update() before each write and finalize() once. A message is cut as soon as its growing view would pass the
 * limit; the cut goes at the best boundary (splitMessage) and the message is sealed with its final text.
 */
export class StreamLayout {
  private answer = '';
  private status: string | undefined;
  private finalized = false;
  readonly slots: Slot[] = [newSlot(0, NO_CARRY)];

  constructor(private readonly limit: number) {}

  append(delta: string): void {
    if (!this.finalized) this.answer += delta;
  }

  /** Shown in the first message until answer text is visible. */
  setStatus(status: string): void {
    if (isVisible(status)) this.status = truncateText(status, this.limit);
  }

  /** The content the slot should show now, or undefined when it has nothing to show. */
  desired(slot: Slot): string | undefined {
    if (slot.final !== undefined) return slot.final;
    if (slot.view !== undefined) return slot.view;
    return slot === this.slots[0] ? this.status : undefined;
  }

  private get open(): Slot {
    const last = this.slots[this.slots.length - 1];
    if (!last) throw new Error('layout has no message');
    return last;
  }

  /** Re-lay out the growing message: cut it (maybe more than once) when its view passes the limit. */
  update(): void {
    if (this.finalized) return;
    for (;;) {
      const slot = this.open;
      const map = this.scan(slot, false);
      const end = visibleEnd(this.answer, slot.start, map.fences);
      const chunk = chunkAt(this.answer, map, end);
      const view = withCursor(chunk);
      if (view.length <= this.limit) {
        slot.view = isVisible(chunk.body) ? view : undefined;
        return;
      }
      // The last character cluster may still grow (an emoji sequence split across deltas): never cut into it.
      const frontier = Math.min(end, lastGraphemeStart(this.answer));
      this.cutAt(slot, map, findCut(this.answer, map, this.limit, frontier));
    }
  }

  /** Lay out the complete answer and the notice for how it ended. Every slot is final afterwards. */
  finalize(end: RenderEnd): void {
    if (this.finalized) return;
    this.finalized = true;
    for (;;) {
      const slot = this.open;
      const map = this.scan(slot, true);
      const chunk = chunkAt(this.answer, map, this.answer.length);
      slot.view = undefined;
      if (chunk.text.length <= this.limit) {
        this.finishLast(slot, isVisible(chunk.body) ? chunk : undefined, end);
        return;
      }
      this.cutAt(slot, map, findCut(this.answer, map, this.limit));
    }
  }

  private scan(slot: Slot, final: boolean): MessageMap {
    return scanMessage(this.answer, slot.start, slot.carried, { limit: this.limit, final });
  }

  /** Seal the slot at `cut` (its text never changes again) and open the next message there. */
  private cutAt(slot: Slot, map: MessageMap, cut: number): void {
    const chunk = chunkAt(this.answer, map, cut);
    const carried = carryAt(map, cut);
    if (!isVisible(chunk.body)) {
      // Whitespace only: nothing a reader would see (Discord rejects it), so the message starts after it.
      slot.start = cut;
      slot.carried = carried;
      return;
    }
    slot.final = chunk.text;
    slot.body = chunk.body;
    slot.view = undefined;
    this.slots.push(newSlot(cut, carried));
  }

  private finishLast(last: Slot, chunk: { text: string; body: string } | undefined, end: RenderEnd): void {
    const answered = chunk !== undefined || this.slots.length > 1;
    const notice = noticeFor(end, answered);
    if (chunk) {
      last.body = chunk.body;
      const withNotice = notice === undefined ? chunk.text : chunk.text + NOTICE_SEPARATOR + notice;
      last.final = withNotice.length <= this.limit ? withNotice : chunk.text;
      if (notice !== undefined && withNotice.length > this.limit)
        this.slots.push(newSlot(this.answer.length, NO_CARRY, notice));
      return;
    }
    if (!answered) {
      // Nothing was answered: the first message (maybe showing a status) becomes the notice.
      last.final = notice ?? EMPTY_ANSWER_NOTICE;
      return;
    }
    // Only whitespace after the last cut: that message was never shown.
    this.slots.pop();
    if (notice !== undefined) this.slots.push(newSlot(this.answer.length, NO_CARRY, notice));
  }
}

function noticeFor(end: RenderEnd, answered: boolean): string | undefined {
  switch (end.kind) {
    case 'complete':
      return answered ? undefined : EMPTY_ANSWER_NOTICE;
    case 'length':
      return answered ? LENGTH_NOTICE : `${EMPTY_ANSWER_NOTICE}\n${LENGTH_NOTICE}`;
    case 'interrupted':
    case 'error':
      return formatNotice(end.notice);
  }
}
