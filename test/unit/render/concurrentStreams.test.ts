import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { EditBudget } from '../../../src/render/editBudget.js';
import { StreamRenderer, type RenderResult } from '../../../src/render/streamRenderer.js';
import { FakeSink, type SinkCall } from './fakeSink.js';
import { assertReassembles, maxPerWindow } from './readerChecks.js';

const STREAMS = 100;
const WRITES_PER_SECOND = 40;
const EDIT_INTERVAL_MS = 1_000;
const STREAM_SECONDS = 8;
const TOKEN_GAP_MS = 100;
const SECOND_MS = 1_000;

describe('many concurrent streams sharing one budget', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('stay within the global budget, pace each message, and all finish complete', async () => {
    const log: SinkCall[] = [];
    const budget = new EditBudget({ perSecond: WRITES_PER_SECOND });
    const streams = Array.from({ length: STREAMS }, (_, n) => {
      const sink = new FakeSink({ log, latencyMs: () => 30 + ((n * 7) % 50) });
      const renderer = new StreamRenderer(sink, { editIntervalMs: EDIT_INTERVAL_MS, budget });
      renderer.start();
      return { sink, renderer, answer: '' };
    });
    // Every stream produces a token every 100 ms for 8 s, staggered by a few ms; one in ten is long enough to
    // need a second message.
    const ticks = (STREAM_SECONDS * SECOND_MS) / TOKEN_GAP_MS;
    for (let tick = 0; tick < ticks; tick++) {
      streams.forEach((stream, n) => {
        const delta = n % 10 === 0 ? `Sentence ${tick} of a long answer goes on. ${'x'.repeat(20)} ` : `tok${tick} `;
        stream.answer += delta;
        stream.renderer.push(delta);
      });
      await vi.advanceTimersByTimeAsync(TOKEN_GAP_MS);
    }
    const done = streams.map((s, n) => s.renderer.finish(n % 7 === 0 ? { kind: 'length' } : { kind: 'complete' }));
    await vi.runAllTimersAsync();
    const results: RenderResult[] = await Promise.all(done);

    const writes = log.filter((c) => c.op !== 'typing');
    expect(
      maxPerWindow(
        writes.map((w) => w.at),
        SECOND_MS,
      ),
    ).toBeLessThanOrEqual(WRITES_PER_SECOND);

    const editCounts: number[] = [];
    streams.forEach(({ sink, answer }, n) => {
      expect(results[n]?.delivered).toBe(true);
      expect(sink.violations).toEqual([]);
      const contents =
        n % 7 === 0 ? sink.contents.map((c) => c.replace(/\n\n\*\(Answer cut short[^\n]*$/, '')) : sink.contents;
      assertReassembles(
        contents.filter((c) => !c.startsWith('*(Answer cut short')),
        answer,
      );
      for (const id of sink.messages.keys()) {
        const times = sink.calls.filter((c) => c.id === id).map((c) => c.at);
        for (let i = 1; i < times.length; i++)
          expect((times[i] ?? 0) - (times[i - 1] ?? 0)).toBeGreaterThanOrEqual(EDIT_INTERVAL_MS);
      }
      if (n % 10 !== 0) editCounts.push(sink.writes.length);
    });
    // Demand was 100 edits/s against 40/s: every stream slowed down by about the same amount.
    const fewest = Math.min(...editCounts);
    const most = Math.max(...editCounts);
    expect(fewest).toBeGreaterThanOrEqual(2);
    expect(most - fewest).toBeLessThanOrEqual(2);
    expect(budget.pending).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
    budget.dispose();
  });
});
