import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ThinkTagFilter } from '../../../src/llm/thinkTagFilter.js';

/** Feed `text` cut at the given offsets; returns what the filter released. */
function run(text: string, cuts: number[]): string {
  const filter = new ThinkTagFilter();
  const points = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b);
  let out = '';
  let from = 0;
  for (const at of [...points, text.length]) {
    out += filter.push(text.slice(from, at));
    from = at;
  }
  return out + filter.flush();
}

/** Text that cannot itself contain a tag (no `<`), so the expected answer is known. */
const plain = fc.string({ maxLength: 60 }).map((s) => s.replaceAll('<', '['));
const cuts = fc.array(fc.nat(200), { maxLength: 12 });

describe('ThinkTagFilter', () => {
  it('removes a think block split at every possible boundary', () => {
    const text = '<think>I should greet them.</think>\n\nHello!';
    for (let i = 0; i <= text.length; i++)
      for (let j = i; j <= text.length; j++) expect(run(text, [i, j])).toBe('Hello!');
  });

  it('property: <think>T</think>A, cut anywhere, releases exactly A (leading blank lines after the block dropped)', () => {
    fc.assert(
      fc.property(plain, plain, cuts, (thought, answer, at) => {
        expect(run(`<think>${thought}</think>${answer}`, at)).toBe(answer.trimStart());
      }),
      { numRuns: 400 },
    );
  });

  it('property: text without tags passes through unchanged, however it is cut, even with a lone "<" or "</thin"', () => {
    const noTags = fc.string({ maxLength: 80 }).filter((s) => !s.includes('<think>') && !s.includes('</think>'));
    fc.assert(
      fc.property(noTags, cuts, (text, at) => {
        expect(run(text, at)).toBe(text);
      }),
      { numRuns: 400 },
    );
    expect(run('a </thin b <thi', [3, 5, 12])).toBe('a </thin b <thi');
  });

  it('reports thinking while inside a block, and drops an unclosed block at the end', () => {
    const filter = new ThinkTagFilter();
    expect(filter.push('<thi')).toBe('');
    expect(filter.push('nk>hmm')).toBe('');
    expect(filter.thinking).toBe(true);
    expect(filter.push(' still')).toBe('');
    expect(filter.flush()).toBe('');
  });
});
