/**
 * A long answer rolling over into new messages while Discord acknowledges slowly: at every moment a reader sees
 * each character of the answer once (the cursor aside), never twice, never missing — across three or more messages.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { EditBudget } from '../../../src/render/editBudget.js';
import { STREAM_CURSOR, StreamRenderer } from '../../../src/render/streamRenderer.js';
import { FakeSink } from './fakeSink.js';
import { assertEveryStateReadsOnce, assertReassembles, fencesBalanced } from './readerChecks.js';

const EDIT_INTERVAL_MS = 250;

/** ~5,000 characters: prose, a TypeScript block that straddles a message boundary, more prose. */
function longAnswerWithCode(): string {
  const intro =
    'Here is the explanation.\n\n' + 'This paragraph explains the idea in some detail. '.repeat(30) + '\n\n';
  const code =
    '```ts\n' +
    Array.from({ length: 80 }, (_, i) => `const value${i} = compute(${i}); // step ${i}`).join('\n') +
    '\n```\n\n';
  return intro + code + 'And a closing paragraph that wraps everything up nicely. '.repeat(30);
}

describe('rollover seen by a reader, with slow acknowledgements', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('acknowledgements of 50 ms to 1.5 s: every moment reads once across ≥ 3 messages', async () => {
    // A slow final edit followed by a quick post is when a reader would see text twice or not at all.
    let n = 0;
    const latencyMs = (): number => [50, 1_500, 300, 900, 120][n++ % 5] ?? 0;
    const answer = longAnswerWithCode();
    expect(answer.length).toBeGreaterThan(5_000);
    const sink = new FakeSink({ latencyMs });
    const budget = new EditBudget({ perSecond: 40 });
    const renderer = new StreamRenderer(sink, { editIntervalMs: EDIT_INTERVAL_MS, budget });
    renderer.start();
    // ~40 characters every 20 ms: several times what one edit interval shows, so messages fill while writes wait.
    for (let at = 0; at < answer.length; at += 40) {
      renderer.push(answer.slice(at, at + 40));
      await vi.advanceTimersByTimeAsync(20);
    }
    const done = renderer.finish({ kind: 'complete' });
    await vi.runAllTimersAsync();
    const result = await done;

    expect(result.delivered).toBe(true);
    expect(sink.violations).toEqual([]);
    expect(sink.contents.length).toBeGreaterThanOrEqual(3);
    expect(sink.timeline.length).toBeGreaterThan(sink.contents.length); // messages were seen growing
    assertEveryStateReadsOnce(sink.timeline, answer);
    assertReassembles(sink.contents, answer);
    for (const content of sink.contents) {
      expect(content.endsWith(STREAM_CURSOR)).toBe(false);
      expect(fencesBalanced(content)).toBe(true);
    }
    budget.dispose();
  });
});
