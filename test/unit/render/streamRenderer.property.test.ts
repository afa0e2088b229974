import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { EditBudget } from '../../../src/render/editBudget.js';
import {
  EMPTY_ANSWER_NOTICE,
  LENGTH_NOTICE,
  STREAM_CURSOR,
  StreamRenderer,
  formatNotice,
  type RenderEnd,
} from '../../../src/render/streamRenderer.js';
import { answerArb, deltaSizesArb, toDeltas } from './arbitraries.js';
import { FakeSink } from './fakeSink.js';
import { assertReassembles, fencesBalanced } from './readerChecks.js';

/** Long enough for several messages, short enough to stream quickly under fake timers. */
const MAX_ANSWER_CHARS = 9_000;
/** Tiny deltas make many steps: bound the steps per run so the property stays fast. */
const MAX_DELTAS = 400;
/** 120 runs take 1.5–3.5 s on a loaded 2-core machine; past this, runs or shrinking are cut and reported. */
const PROPERTY_TIME_LIMIT_MS = 20_000;

const endArb: fc.Arbitrary<RenderEnd> = fc.oneof(
  fc.constant<RenderEnd>({ kind: 'complete' }),
  fc.constant<RenderEnd>({ kind: 'length' }),
  fc.constant<RenderEnd>({ kind: 'interrupted', notice: 'The connection to the model was lost.' }),
  fc.constant<RenderEnd>({ kind: 'error', notice: 'Something went wrong while answering.' }),
);

/** Cut at a code point boundary: a real stream never ends in half a character. */
function truncate(text: string, max: number): string {
  const cut = text.slice(0, max);
  return /[\uD800-\uDBFF]$/.test(cut) ? cut.slice(0, -1) : cut;
}

/** The notice the reader should see at the end, and the messages with it taken off. */
function splitOffNotice(
  contents: readonly string[],
  answer: string,
  end: RenderEnd,
): { answerMessages: string[]; notice: string } {
  const visible = /\S/.test(answer);
  let notice: string | undefined;
  if (end.kind === 'complete') notice = visible ? undefined : EMPTY_ANSWER_NOTICE;
  else if (end.kind === 'length') notice = visible ? LENGTH_NOTICE : `${EMPTY_ANSWER_NOTICE}\n${LENGTH_NOTICE}`;
  else notice = formatNotice(end.notice);
  if (notice === undefined) return { answerMessages: [...contents], notice: '' };
  const last = contents[contents.length - 1] ?? '';
  if (last === notice) return { answerMessages: contents.slice(0, -1), notice };
  expect(last.endsWith(`\n\n${notice}`), `last message ends with the notice: ${JSON.stringify(last.slice(-120))}`).toBe(
    true,
  );
  return { answerMessages: [...contents.slice(0, -1), last.slice(0, -(notice.length + 2))], notice };
}

describe('StreamRenderer with random answers and deltas (property)', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('ends with complete, well-formed messages that read as the answer', async () => {
    await fc.assert(
      fc.asyncProperty(
        answerArb.map((a) => truncate(a, MAX_ANSWER_CHARS)),
        deltaSizesArb,
        fc.array(fc.integer({ min: 0, max: 400 }), { minLength: 1, maxLength: 10 }),
        fc.integer({ min: 0, max: 600 }),
        fc.constantFrom(250, 1000),
        endArb,
        async (answer, sizes, gaps, latencyMs, editIntervalMs, end) => {
          const sink = new FakeSink({ latencyMs });
          const budget = new EditBudget({ perSecond: 40 });
          const renderer = new StreamRenderer(sink, { editIntervalMs, budget });
          renderer.start();
          const all = toDeltas(answer, sizes);
          // Past MAX_DELTAS the rest arrives as one burst (the renderer must cope with that too).
          const deltas = all.length > MAX_DELTAS ? [...all.slice(0, MAX_DELTAS), all.slice(MAX_DELTAS).join('')] : all;
          for (const [i, delta] of deltas.entries()) {
            renderer.push(delta);
            await vi.advanceTimersByTimeAsync(gaps[i % gaps.length] ?? 0);
          }
          let settled = false;
          const done = renderer.finish(end).finally(() => (settled = true));
          await vi.runAllTimersAsync();
          // Every timer has run: a finish that is still pending would hang forever.
          expect(settled, 'finish() resolved once all timers ran').toBe(true);
          const result = await done;

          // Nothing Discord rejects, never two requests in flight for one message, every write ≤ 2000.
          expect(sink.violations).toEqual([]);
          expect(result.delivered).toBe(true);
          expect(result.messageIds).toEqual([...sink.messages.keys()]);
          const contents = sink.contents;
          for (const content of contents) {
            expect(fencesBalanced(content), content.slice(-200)).toBe(true);
            expect(content.endsWith(STREAM_CURSOR)).toBe(false);
          }
          // While streaming, each view is balanced too (a code block being written is closed for now).
          for (const write of sink.writes) {
            const view = write.text ?? '';
            if (view.endsWith(STREAM_CURSOR)) expect(fencesBalanced(view.slice(0, -STREAM_CURSOR.length))).toBe(true);
          }
          const { answerMessages } = splitOffNotice(contents, answer, end);
          assertReassembles(answerMessages, answer);
          expect(result.text.replace(/\s+/g, '') === answer.replace(/\s+/g, ''), 'result text is the answer').toBe(
            true,
          );
          // Each message's writes are spaced by the interval, and its last write is what the reader sees.
          for (const [id, content] of sink.messages) {
            const writes = sink.calls.filter((c) => c.id === id || (c.op === 'send' && c.id === id));
            for (let i = 1; i < writes.length; i++) {
              expect((writes[i]?.at ?? 0) - (writes[i - 1]?.at ?? 0)).toBeGreaterThanOrEqual(editIntervalMs);
            }
            expect(writes.at(-1)?.text).toBe(content);
          }
          expect(vi.getTimerCount()).toBe(0);
          budget.dispose();
        },
      ),
      // A failure found late is shrunk only until the limit (real time: fast-check keeps the real clock), then
      // reported with its seed and path, instead of shrinking on until the test's timeout hides it.
      { numRuns: 120, interruptAfterTimeLimit: PROPERTY_TIME_LIMIT_MS, markInterruptAsFailure: true },
    );
  });
});
