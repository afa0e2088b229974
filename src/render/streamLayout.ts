import { lastGraphemeStart } from '../text/graphemes.js';
import { truncateText } from '../text/truncate.js';
import { newSlot, noticeFor, type RenderEnd, type Slot } from './answerSlots.js';
import { EMPTY_ANSWER_NOTICE, NOTICE_SEPARATOR } from './renderNotices.js';
import { NO_CARRY, carryAt, chunkAt, findCut, isVisible, scanMessage, type MessageMap } from './splitMessage.js';
import { visibleEnd, withCursor, withoutCursor } from './streamView.js';

/**
 * Decides which message shows which part of the answer. Pure bookkeeping, no I/O or timers: the renderer calls
 * update() before each write and finalize() once. A message is cut as soon as its growing view would pass the
 * limit; the cut goes at the best boundary (splitMessage) and the message is sealed with its final text.
 */
export class StreamLayout {
  private answer = '';
  private ended: RenderEnd | undefined;
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
      const view = slot.prefix + withCursor(chunk);
      if (view.length <= this.limit) {
        slot.view = isVisible(chunk.body) ? view : undefined;
        slot.viewEnd = end;
        return;
      }
      // The last character cluster may still grow (an emoji sequence split across deltas): never cut into it.
      const frontier = Math.min(end, lastGraphemeStart(this.answer));
      const cut = findCut(this.answer, map, this.limit - slot.prefix.length, { frontier, visibleEnd: slot.sentEnd });
      this.cutAt(slot, map, this.keepVisible(slot, cut));
    }
  }

  /** Lay out the complete answer and the notice for how it ended. Every slot is final afterwards. */
  finalize(end: RenderEnd): void {
    if (this.finalized) return;
    this.finalized = true;
    this.ended = end;
    for (;;) {
      const slot = this.open;
      const map = this.scan(slot, true);
      const chunk = chunkAt(this.answer, map, this.answer.length);
      slot.view = undefined;
      if (slot.prefix.length + chunk.text.length <= this.limit) {
        this.finishLast(slot, isVisible(chunk.body) ? chunk : undefined, end);
        return;
      }
      const cut = findCut(this.answer, map, this.limit - slot.prefix.length, { visibleEnd: slot.sentEnd });
      this.cutAt(slot, map, this.keepVisible(slot, cut));
    }
  }

  /**
   * A reader already sees this message up to `sentEnd`: cutting before it would take that text away until the
   * next message shows it. Cut at the visible end instead when it lies between words (the view there already fit,
   * fence repairs included); the last resort, mid-word, keeps the splitter's choice.
   */
  private keepVisible(slot: Slot, cut: number): number {
    const end = slot.sentEnd;
    if (cut >= end || end <= slot.start) return cut;
    const between = /\s/.test(this.answer[end - 1] ?? '') || /\s/.test(this.answer[end] ?? '');
    return between ? end : cut;
  }

  private scan(slot: Slot, final: boolean, limit = this.limit - slot.prefix.length): MessageMap {
    return scanMessage(this.answer, slot.start, slot.carried, { limit, final });
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
    slot.final = slot.prefix + chunk.text;
    slot.finalEnd = cut;
    slot.body = chunk.body;
    slot.view = undefined;
    this.slots.push(newSlot(cut, carried));
  }

  /**
   * The slot's message can no longer be edited: its part of the answer ends at what it showed last (its `final`
   * becomes that content without the cursor, for one best-effort clean-up edit), later slots (never posted) are
   * dropped, and the answer continues in a new message that starts with `note`. When the message is `lost`
   * (deleted), nothing of its part is visible any more, so the new message starts where it began.
   */
  continueAfter(slot: Slot, note: string, lost = false): void {
    const at = this.slots.indexOf(slot);
    if (at === -1 || slot.dead) return;
    const map = this.scan(slot, false);
    const end = lost ? slot.start : slot.sentEnd;
    slot.dead = true;
    slot.view = undefined;
    slot.body = chunkAt(this.answer, map, end).body;
    // A lost message is never written again: its final is what it had, so no clean-up edit is planned.
    slot.final = lost ? slot.sent : withoutCursor(slot.sent ?? '');
    slot.finalEnd = end;
    this.slots.splice(at + 1);
    this.slots.push(newSlot(end, lost ? slot.carried : carryAt(map, end), undefined, note));
    if (this.finalized && this.ended) {
      this.finalized = false;
      this.finalize(this.ended);
    }
  }

  /**
   * What the slot's message should read when the answer cannot go on: what it shows, without the cursor, then
   * `notice`. When both do not fit, the message is cut earlier (at the splitter's best boundary, code blocks
   * repaired) to make room: saying that the answer is incomplete matters more than its last lines.
   */
  closedWith(slot: Slot, notice: string): string {
    const shown = withoutCursor(slot.sent ?? '').trimEnd();
    const joined = shown + NOTICE_SEPARATOR + notice;
    if (joined.length <= this.limit) return joined;
    const room = this.limit - slot.prefix.length - NOTICE_SEPARATOR.length - notice.length;
    const end = slot.final !== undefined && slot.sent === slot.final ? slot.finalEnd : slot.sentEnd;
    const map = this.scan(slot, true, room);
    const cut = Math.min(end, findCut(this.answer, map, room));
    const shortened = slot.prefix + chunkAt(this.answer, map, cut).text.trimEnd();
    const closed = shortened + NOTICE_SEPARATOR + notice;
    return closed.length <= this.limit && cut > slot.start ? closed : shown;
  }

  private finishLast(last: Slot, chunk: { text: string; body: string } | undefined, end: RenderEnd): void {
    const answered = chunk !== undefined || this.slots.length > 1;
    const notice = noticeFor(end, answered);
    if (chunk) {
      last.body = chunk.body;
      last.finalEnd = this.answer.length;
      const text = last.prefix + chunk.text;
      const withNotice = notice === undefined ? text : text + NOTICE_SEPARATOR + notice;
      last.final = withNotice.length <= this.limit ? withNotice : text;
      if (notice !== undefined && withNotice.length > this.limit)
        this.slots.push(newSlot(this.answer.length, NO_CARRY, notice));
      return;
    }
    if (!answered) {
      // Nothing was answered: the first message (maybe showing a status) becomes the notice.
      last.final = last.prefix + (notice ?? EMPTY_ANSWER_NOTICE);
      return;
    }
    // Only whitespace after the last cut: that message was never shown.
    this.slots.pop();
    if (notice !== undefined) this.slots.push(newSlot(this.answer.length, NO_CARRY, notice));
  }
}
