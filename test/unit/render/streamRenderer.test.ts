import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { EditBudget } from '../../../src/render/editBudget.js';
import {
  EMPTY_ANSWER_NOTICE,
  LENGTH_NOTICE,
  STREAM_CURSOR,
  StreamRenderer,
  UNDELIVERED_NOTICE,
  formatNotice,
  type RenderEnd,
  type RenderResult,
} from '../../../src/render/streamRenderer.js';
import { FakeSink, type FakeSinkOptions } from './fakeSink.js';
import { assertReassembles, fencesBalanced } from './readerChecks.js';

const EDIT_INTERVAL_MS = 1_000;
const TYPING_INTERVAL_MS = 8_000;
const DISCORD_LIMIT = 2_000;

interface Harness {
  sink: FakeSink;
  budget: EditBudget;
  renderer: StreamRenderer;
}

function setup(sinkOptions: FakeSinkOptions = {}, editIntervalMs = EDIT_INTERVAL_MS): Harness {
  const sink = new FakeSink(sinkOptions);
  const budget = new EditBudget({ perSecond: 40 });
  const renderer = new StreamRenderer(sink, { editIntervalMs, budget });
  return { sink, budget, renderer };
}

/** Push deltas `gapMs` apart, then finish and let every timer run. */
async function stream(
  renderer: StreamRenderer,
  deltas: readonly string[],
  gapMs: number,
  end: RenderEnd = { kind: 'complete' },
): Promise<RenderResult> {
  for (const delta of deltas) {
    renderer.push(delta);
    await vi.advanceTimersByTimeAsync(gapMs);
  }
  const done = renderer.finish(end);
  await vi.runAllTimersAsync();
  return done;
}

/** Words of a made-up answer, each a delta. */
function words(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `word${i} `);
}

describe('StreamRenderer', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('shows typing until the first visible text, refreshed every 8 s', async () => {
    const { sink, renderer } = setup();
    const start = Date.now();
    renderer.start();
    await vi.advanceTimersByTimeAsync(20_000);
    renderer.push('  \n'); // whitespace shows nothing
    await vi.advanceTimersByTimeAsync(3_000);
    expect(sink.writes).toEqual([]);
    expect(sink.calls.map((c) => c.at - start)).toEqual([0, 8_000, 16_000]);
    renderer.push('Hello');
    await vi.advanceTimersByTimeAsync(0);
    expect(sink.writes).toHaveLength(1);
    expect(sink.writes[0]).toMatchObject({ op: 'send', at: start + 23_000 });
    await vi.advanceTimersByTimeAsync(30_000);
    expect(sink.calls.filter((c) => c.op === 'typing')).toHaveLength(3);
    await renderer.finish({ kind: 'complete' });
    await vi.runAllTimersAsync();
  });

  it('stops typing when finished before any text', async () => {
    const { sink, renderer } = setup();
    renderer.start();
    await vi.advanceTimersByTimeAsync(9_000);
    const done = renderer.finish({ kind: 'error', notice: 'The model is unavailable.' });
    await vi.runAllTimersAsync();
    await done;
    expect(sink.calls.filter((c) => c.op === 'typing')).toHaveLength(2);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('sends once, then edits at most once per interval with the latest text — not once per token', async () => {
    const { sink, renderer } = setup();
    const start = Date.now();
    const pushes: Array<{ at: number; text: string }> = [];
    const deltas = words(200); // one token every 50 ms for 10 s
    for (const delta of deltas) {
      renderer.push(delta);
      pushes.push({ at: Date.now(), text: delta });
      await vi.advanceTimersByTimeAsync(50);
    }
    const done = renderer.finish({ kind: 'complete' });
    await vi.runAllTimersAsync();
    const result = await done;

    const [send, ...edits] = sink.writes;
    expect(send).toMatchObject({ op: 'send', at: start, text: `word0 ${STREAM_CURSOR}` });
    expect(edits.every((e) => e.op === 'edit' && e.id === send?.id)).toBe(true);
    // 10 s of stream at one edit per second: about 10 edits plus the final one, nowhere near 200.
    expect(edits.length).toBeGreaterThanOrEqual(9);
    expect(edits.length).toBeLessThanOrEqual(12);
    const times = sink.writes.map((w) => w.at);
    for (let i = 1; i < times.length; i++)
      expect((times[i] ?? 0) - (times[i - 1] ?? 0)).toBeGreaterThanOrEqual(EDIT_INTERVAL_MS);
    // Every edit while streaming carries everything pushed before it, with the cursor.
    for (const edit of edits.slice(0, -1)) {
      const sofar = pushes
        .filter((p) => p.at < edit.at)
        .map((p) => p.text)
        .join('');
      expect(edit.text).toBe(`${sofar}${STREAM_CURSOR}`);
    }
    // The final edit lands without the cursor.
    const answer = deltas.join('');
    expect(edits.at(-1)?.text).toBe(answer);
    expect(sink.contents).toEqual([answer]);
    expect(result).toEqual({ messageIds: [send?.id], text: answer, delivered: true });
    expect(sink.violations).toEqual([]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('makes no edit when nothing changed', async () => {
    const { sink, renderer } = setup();
    renderer.push('Just this.');
    await vi.advanceTimersByTimeAsync(10_000);
    expect(sink.writes).toHaveLength(1);
    const done = renderer.finish({ kind: 'complete' });
    await vi.runAllTimersAsync();
    await done;
    expect(sink.writes.map((w) => w.text)).toEqual([`Just this.${STREAM_CURSOR}`, 'Just this.']);
  });

  it('continues a long answer in new messages, each within the limit, with code blocks repaired', async () => {
    const { sink, renderer } = setup();
    const code = Array.from({ length: 120 }, (_, i) => `    result.push(compute(${i}));`).join('\n');
    const answer = `${'Intro sentence number one. '.repeat(40)}\n\n\`\`\`python\n${code}\n\`\`\`\n\n${'Closing words here. '.repeat(80)}`;
    const deltas = answer.match(/[\s\S]{1,17}/g) ?? [];
    const result = await stream(renderer, deltas, 20);

    expect(sink.violations).toEqual([]);
    expect(sink.contents.length).toBeGreaterThanOrEqual(3);
    for (const content of sink.contents) {
      expect(content.length).toBeLessThanOrEqual(DISCORD_LIMIT);
      expect(fencesBalanced(content), content).toBe(true);
      expect(content.endsWith(STREAM_CURSOR)).toBe(false);
    }
    expect(sink.contents.some((c) => c.startsWith('```python\n'))).toBe(true);
    assertReassembles(sink.contents, answer);
    expect(result.text).toBe(answer);
    expect(result.messageIds).toEqual([...sink.messages.keys()]);
    expect(result.delivered).toBe(true);
    // A message that was continued elsewhere is never touched after its final edit.
    for (const id of result.messageIds) {
      const writes = sink.calls.filter((c) => c.id === id);
      expect(writes.at(-1)?.text).toBe(sink.messages.get(id));
      expect(writes.filter((w) => w.text === sink.messages.get(id))).toHaveLength(1);
    }
  });

  it('appends the length notice to the last message', async () => {
    const { sink, renderer } = setup();
    await stream(renderer, ['The answer ', 'goes on and'], 100, { kind: 'length' });
    expect(sink.contents).toEqual([`The answer goes on and\n\n${LENGTH_NOTICE}`]);
  });

  it('puts a notice that does not fit into a message of its own', async () => {
    const { sink, renderer } = setup();
    const answer = 'x'.repeat(1990);
    const result = await stream(renderer, answer.match(/.{1,100}/g) ?? [], 50, { kind: 'length' });
    expect(sink.contents).toEqual([answer, LENGTH_NOTICE]);
    expect(result.text).toBe(answer);
    expect(result.messageIds).toHaveLength(2);
  });

  it('keeps the text so far and appends the notice when the stream is interrupted', async () => {
    const { sink, renderer } = setup();
    const result = await stream(renderer, ['Here is ', 'some code:\n```js\nconst a', ' = 1;'], 300, {
      kind: 'interrupted',
      notice: 'The connection to the model was lost. Please try again.',
    });
    expect(sink.contents).toEqual([
      `Here is some code:\n\`\`\`js\nconst a = 1;\n\`\`\`\n\n${formatNotice('The connection to the model was lost. Please try again.')}`,
    ]);
    expect(sink.contents[0]).toContain('*(The connection to the model was lost. Please try again.)*');
    expect(result.text).toBe('Here is some code:\n```js\nconst a = 1;');
  });

  it('sends the error notice alone when there was no text', async () => {
    const { sink, renderer } = setup();
    renderer.start();
    const result = await stream(renderer, [], 0, {
      kind: 'error',
      notice: 'Something went wrong while answering. Please try again.',
    });
    expect(sink.contents).toEqual(['*(Something went wrong while answering. Please try again.)*']);
    expect(result).toMatchObject({ text: '', delivered: true });
  });

  it('says so when the model returned an empty answer', async () => {
    const { sink, renderer } = setup();
    await stream(renderer, [' ', '\n\n'], 100);
    expect(sink.contents).toEqual([EMPTY_ANSWER_NOTICE]);
  });

  it('escapes markdown in a notice and never shows more than the notice', () => {
    expect(formatNotice('use *stars* and `ticks`')).toBe('*(use \\*stars\\* and \\`ticks\\`)*');
    expect(formatNotice('  ')).toBe('*(The answer could not be completed.)*');
    expect(formatNotice('a'.repeat(5000)).length).toBeLessThan(600);
  });

  it('shows a status before the answer and replaces it with the answer in the same message', async () => {
    const { sink, renderer } = setup();
    renderer.start();
    renderer.setStatus('*Waiting for model capacity (3 requests ahead)…*');
    await vi.advanceTimersByTimeAsync(0);
    renderer.setStatus('*Waiting for model capacity…*');
    await vi.advanceTimersByTimeAsync(5_000);
    const result = await stream(renderer, ['The ', 'answer.'], 100);
    const [first] = sink.writes;
    expect(first).toMatchObject({ op: 'send', text: '*Waiting for model capacity (3 requests ahead)…*' });
    expect(sink.writes.map((w) => w.text)).toContain('*Waiting for model capacity…*');
    expect(sink.contents).toEqual(['The answer.']);
    expect(result.messageIds).toEqual([first?.id]);
    // Typing stopped as soon as the status was visible.
    expect(sink.calls.filter((c) => c.op === 'typing')).toHaveLength(1);
  });

  it('turns a status into the notice when the turn fails before any text', async () => {
    const { sink, renderer } = setup();
    renderer.setStatus('*Waiting for model capacity…*');
    const result = await stream(renderer, [], 0, {
      kind: 'error',
      notice: 'The model is busy. Please try again in a minute.',
    });
    expect(sink.contents).toEqual(['*(The model is busy. Please try again in a minute.)*']);
    expect(result.messageIds).toHaveLength(1);
  });

  it('never has two requests in flight for one message, even with a slow sink', async () => {
    const { sink, renderer } = setup({ latencyMs: 2_500 }, 200);
    const deltas = words(200);
    const result = await stream(renderer, deltas, 20);
    expect(sink.violations).toEqual([]);
    expect(sink.contents).toEqual([deltas.join('')]);
    expect(result.delivered).toBe(true);
    // Each write waited for the previous one: with 2.5 s per request, 4 s of stream allows only a few.
    expect(sink.writes.length).toBeLessThanOrEqual(4);
  });

  it('does not throw from push when the sink fails, and reports the failure from finish', async () => {
    const failure = new Error('Missing Permissions');
    const { sink, renderer } = setup({ fail: (call) => (call.op === 'edit' ? failure : undefined) });
    const deltas = words(100);
    const result = await stream(renderer, deltas, 50);
    expect(result.delivered).toBe(false);
    expect(result.error).toBe(failure);
    expect(result.text).toBe('');
    // The dead message was not retried: one send, one failed edit, one try to close it out, then silence.
    expect(sink.writes.map((w) => w.op)).toEqual(['send', 'edit', 'edit']);
    expect(sink.writes[2]?.text).toBe(`word0\n\n${UNDELIVERED_NOTICE}`);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a next message refused for good: the last one is shortened to say so, code blocks still closed', async () => {
    const failure = new Error('Missing Permissions');
    const { sink, renderer } = setup({
      fail: (call) => (call.op === 'send' && sink.messages.size > 0 ? failure : undefined),
    });
    const code = '```ts\n' + Array.from({ length: 200 }, (_, i) => `const v${i} = ${i};`).join('\n') + '\n```\n';
    const result = await stream(renderer, code.match(/[\s\S]{1,40}/g) ?? [], 50);
    expect(result).toMatchObject({ delivered: false, error: failure });
    const [only, ...more] = sink.contents;
    expect(more).toEqual([]);
    expect(only!.length).toBeLessThanOrEqual(DISCORD_LIMIT);
    expect(only!.endsWith(`\n\n${UNDELIVERED_NOTICE}`)).toBe(true);
    expect(fencesBalanced(only!)).toBe(true);
    expect(only).not.toContain(STREAM_CURSOR);
  });

  it('reports a failed first send', async () => {
    const failure = new Error('Unknown Channel');
    const { sink, renderer } = setup({ fail: () => failure });
    renderer.start();
    const result = await stream(renderer, ['Hello ', 'there'], 2_000);
    expect(result).toMatchObject({ delivered: false, error: failure, messageIds: [] });
    // One try to say so, then silence.
    expect(sink.writes.map((w) => [w.op, w.text])).toEqual([
      ['send', `Hello ${STREAM_CURSOR}`],
      ['send', UNDELIVERED_NOTICE],
    ]);
  });

  it('reports a sink that throws synchronously like one that rejects', async () => {
    const sink = new FakeSink();
    const failure = new Error('boom');
    sink.send = () => {
      throw failure;
    };
    const renderer = new StreamRenderer(sink, {
      editIntervalMs: EDIT_INTERVAL_MS,
      budget: new EditBudget({ perSecond: 40 }),
    });
    const result = await stream(renderer, ['Hi'], 10);
    expect(result).toMatchObject({ delivered: false, error: failure });
  });

  it('resolves undelivered when the budget is disposed during shutdown', async () => {
    const sink = new FakeSink();
    const budget = new EditBudget({ perSecond: 1 });
    const renderer = new StreamRenderer(sink, { editIntervalMs: 100, budget });
    await budget.acquire(); // the budget is exhausted by someone else
    renderer.push('Hello');
    await vi.advanceTimersByTimeAsync(10);
    budget.dispose();
    const result = await renderer.finish({ kind: 'complete' });
    expect(result.delivered).toBe(false);
    expect(sink.writes).toEqual([]);
  });

  it('finishes once: a second finish returns the same result and writes nothing', async () => {
    const { sink, renderer } = setup();
    const first = await stream(renderer, ['Done.'], 10);
    const writes = sink.writes.length;
    const second = await renderer.finish({ kind: 'error', notice: 'ignored' });
    await vi.runAllTimersAsync();
    expect(second).toBe(first);
    expect(sink.writes).toHaveLength(writes);
    renderer.push('late text');
    await vi.runAllTimersAsync();
    expect(sink.writes).toHaveLength(writes);
  });

  it('never shows half a surrogate pair or a half-typed fence while streaming', async () => {
    const { sink, renderer } = setup({}, 100);
    const answer = 'Emoji 😀 then code:\n```typescript\nlet x = 1;\n```\n';
    // One UTF-16 unit per delta, 150 ms apart: every intermediate state gets shown.
    const result = await stream(renderer, answer.split(''), 150);
    expect(sink.violations).toEqual([]);
    for (const write of sink.writes) {
      expect(write.text).not.toMatch(/```t?y?p?e?s?c?r?i?p?t?\n```\n/); // no empty block with a partial language
      expect(fencesBalanced(write.text?.replace(STREAM_CURSOR, '') ?? '')).toBe(true);
    }
    expect(result.text).toBe(answer);
  });

  it('takes a budget grant before every write, with priority for sends and final edits', async () => {
    const { sink, budget, renderer } = setup();
    const acquired: Array<{ at: number; priority: boolean }> = [];
    const acquire = budget.acquire.bind(budget);
    budget.acquire = (priority = 'stream', signal) => {
      acquired.push({ at: Date.now(), priority: priority === 'urgent' });
      return acquire(priority, signal);
    };
    // Long enough for a second message.
    const deltas = Array.from({ length: 60 }, (_, i) => `Sentence number ${i} is here to fill the message up. `);
    await stream(renderer, deltas, 100);
    const writes = sink.writes;
    expect(acquired).toHaveLength(writes.length);
    const finalContents = new Set(sink.contents);
    writes.forEach((write, i) => {
      const isFinal = write.op === 'edit' && finalContents.has(write.text ?? '');
      const shouldBePriority = write.op === 'send' || isFinal;
      expect(acquired[i]?.priority, `${write.op} ${i}`).toBe(shouldBePriority);
    });
    expect(sink.contents).toHaveLength(2);
  });

  it('lets final edits overtake other streams waiting on a saturated budget', async () => {
    const sink = new FakeSink();
    const budget = new EditBudget({ perSecond: 1 });
    const renderer = new StreamRenderer(sink, { editIntervalMs: 100, budget });
    renderer.push('Hello');
    await vi.advanceTimersByTimeAsync(0); // the send used this second's grant
    const others: string[] = [];
    for (let i = 0; i < 5; i++) void budget.acquire().then(() => others.push(`other-${i}`));
    renderer.push(' world');
    const done = renderer.finish({ kind: 'complete' });
    await vi.advanceTimersByTimeAsync(1_000);
    expect(sink.contents).toEqual(['Hello world']);
    expect(others).toEqual([]);
    await vi.runAllTimersAsync();
    await done;
    expect(others).toHaveLength(5);
    budget.dispose();
  });

  it('validates its options', () => {
    const budget = new EditBudget();
    expect(() => new StreamRenderer(new FakeSink(), { editIntervalMs: -1, budget })).toThrow(RangeError);
    expect(() => new StreamRenderer(new FakeSink(), { editIntervalMs: 1000, budget, maxLength: 10 })).toThrow(
      RangeError,
    );
    budget.dispose();
  });
});

describe('StreamRenderer typing interval option', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('refreshes at the configured interval', async () => {
    const sink = new FakeSink();
    const renderer = new StreamRenderer(sink, {
      editIntervalMs: 1000,
      budget: new EditBudget(),
      typingIntervalMs: 5_000,
    });
    renderer.start();
    await vi.advanceTimersByTimeAsync(TYPING_INTERVAL_MS + 3_000);
    expect(sink.calls.filter((c) => c.op === 'typing')).toHaveLength(3);
    const done = renderer.finish({ kind: 'complete' });
    await vi.runAllTimersAsync();
    await done;
  });
});
