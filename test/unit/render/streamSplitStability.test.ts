import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { EditBudget } from '../../../src/render/editBudget.js';
import { STREAM_CURSOR, StreamRenderer } from '../../../src/render/streamRenderer.js';
import { clipText } from '../../../src/text/truncate.js';
import { deltaSizesArb, toDeltas } from './arbitraries.js';
import { FakeSink } from './fakeSink.js';
import { hostileCorpus } from './fixtures/hostileMarkdown.js';
import { markdownDocArb } from './markdownArbitraries.js';

const LIMIT = 2000;
/** Whitespace trimmed at the cut plus the closing markers a sealed message gains. */
const REPAIR_SLACK = 40;

/** Streams an answer and reports what readers saw of each message. */
async function streamAnswer(answer: string, sizes: readonly number[]) {
  const sink = new FakeSink({ latencyMs: 30 });
  const budget = new EditBudget({ perSecond: 40 });
  const renderer = new StreamRenderer(sink, { editIntervalMs: 250, budget });
  for (const delta of toDeltas(answer, sizes).slice(0, 300)) {
    renderer.push(delta);
    await vi.advanceTimersByTimeAsync(40);
  }
  const rest = toDeltas(answer, sizes).slice(300).join('');
  if (rest) renderer.push(rest);
  const done = renderer.finish({ kind: 'complete' });
  await vi.runAllTimersAsync();
  const result = await done;
  budget.dispose();
  return { sink, result };
}

/** Per message: the longest text a reader saw while it grew, and whether its final text ever changed again. */
function movedAndResealed(sink: FakeSink): { moved: number[]; resealed: string[] } {
  const moved: number[] = [];
  const resealed: string[] = [];
  for (const [id, content] of sink.messages) {
    const writes = sink.writes.filter((w) => w.id === id).map((w) => w.text ?? '');
    const sealedAt = writes.findIndex((w) => !w.endsWith(STREAM_CURSOR));
    if (sealedAt !== -1 && sealedAt !== writes.length - 1) resealed.push(id);
    const longestView = Math.max(
      0,
      ...writes.filter((w) => w.endsWith(STREAM_CURSOR)).map((w) => w.length - STREAM_CURSOR.length),
    );
    moved.push(Math.max(0, longestView - content.length));
  }
  return { moved, resealed };
}

describe('streaming keeps visible text where it is', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('never rewrites a sealed message and moves at most a fifth of a message to the next (property)', async () => {
    const allMoved: number[] = [];
    await fc.assert(
      fc.asyncProperty(markdownDocArb, deltaSizesArb, async (doc, sizes) => {
        const answer = clipText(doc.text, 12_000); // a real stream never ends in half a character
        const { sink, result } = await streamAnswer(answer, sizes);
        expect(sink.violations).toEqual([]);
        expect(result.delivered).toBe(true);
        expect(result.text.replace(/\s+/g, '')).toBe(answer.replace(/\s+/g, ''));
        const { moved, resealed } = movedAndResealed(sink);
        expect(resealed).toEqual([]);
        allMoved.push(...moved);
      }),
      { numRuns: 40, endOnFailure: true },
    );
    allMoved.sort((a, b) => a - b);
    const p95 = allMoved[Math.floor(allMoved.length * 0.95)] ?? 0;
    console.info(`moved chars per sealed message: p95 ${p95}, max ${allMoved.at(-1)} (of ${allMoved.length})`);
    expect(p95).toBeLessThanOrEqual(LIMIT * 0.2 + REPAIR_SLACK);
    expect(allMoved.at(-1) ?? 0).toBeLessThanOrEqual(LIMIT * 0.5 + REPAIR_SLACK);
  }, 120_000);

  it('streams every corpus case to well-formed messages, restarting quotes and marks', async () => {
    for (const { name, doc } of hostileCorpus) {
      const { sink, result } = await streamAnswer(doc.text, [37, 5, 120]);
      expect(sink.violations, name).toEqual([]);
      expect(result.delivered, name).toBe(true);
      expect(sink.contents.length, name).toBeGreaterThan(1);
      for (const content of sink.contents) expect(content.length, name).toBeLessThanOrEqual(LIMIT);
      if (name === 'block quote to the end')
        for (const c of sink.contents.slice(1)) expect(c.startsWith('>>> '), name).toBe(true);
      if (name === 'nested emphasis and spoiler') expect(sink.contents[1], name).toMatch(/^\|\|\*__[a-z]/);
      expect(movedAndResealed(sink).resealed, name).toEqual([]);
    }
  }, 60_000);
});
