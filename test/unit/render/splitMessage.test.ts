import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DISCORD_MESSAGE_LIMIT,
  splitForDiscord,
  splitIntoChunks,
  type Chunk,
} from '../../../src/render/splitMessage.js';
import { answerArb } from './arbitraries.js';
import { assertReassembles, fencesBalanced, hasLoneSurrogate } from './readerChecks.js';

const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
/** Characters around a cut to segment (V8's segmenter is slow on long strings; clusters are short). */
const GRAPHEME_CONTEXT = 40;

/** True when offset p of text does not fall inside a grapheme cluster (emoji sequence, surrogate pair…). */
function isGraphemeBoundary(text: string, p: number): boolean {
  if (p === 0 || p === text.length) return true;
  const from = Math.max(0, p - GRAPHEME_CONTEXT);
  const local = text.slice(from, p + GRAPHEME_CONTEXT);
  return [...segmenter.segment(local)].some((segment) => from + segment.index === p);
}

/** The split invariants, stated on what each message looks like to a reader. Returns what is wrong. */
function chunkProblems(input: string, chunks: readonly Chunk[], limit: number): string[] {
  const problems: string[] = [];
  const problem = (ok: boolean, what: string) => {
    if (!ok) problems.push(what);
  };
  let covered = 0;
  chunks.forEach((chunk, i) => {
    const at = `chunk ${i} [${chunk.start}, ${chunk.end})`;
    problem(chunk.text.length <= limit, `${at}: ${chunk.text.length} chars > ${limit}`);
    problem(chunk.text.trim() !== '', `${at}: whitespace-only`);
    problem(fencesBalanced(chunk.text), `${at}: unbalanced fences ${JSON.stringify(chunk.text.slice(-80))}`);
    problem(!hasLoneSurrogate(chunk.text), `${at}: half a surrogate pair`);
    problem(chunk.text === chunk.reopen + chunk.body + chunk.close, `${at}: text is not reopen + body + close`);
    // Repairs are fence lines only.
    problem(
      chunk.reopen === '' || /^(`{3,}|~{3,})\S*\n$/.test(chunk.reopen),
      `${at}: reopen ${JSON.stringify(chunk.reopen)}`,
    );
    problem(
      chunk.close === '' || /^\n?(`{3,}|~{3,})$/.test(chunk.close),
      `${at}: close ${JSON.stringify(chunk.close)}`,
    );
    problem(input.slice(chunk.start, chunk.end) === chunk.body, `${at}: body is not the input at its offsets`);
    // Only whitespace may go missing between messages.
    problem(input.slice(covered, chunk.start).trim() === '', `${at}: text lost before it`);
    problem(isGraphemeBoundary(input, chunk.end), `${at}: cut splits a character`);
    covered = chunk.end;
  });
  problem(input.slice(covered).trim() === '', 'text lost at the end');
  try {
    assertReassembles(
      chunks.map((c) => c.text),
      input,
    );
  } catch (error) {
    problems.push(String(error));
  }
  return problems;
}

function checkChunks(input: string, chunks: readonly Chunk[], limit: number): void {
  expect(chunkProblems(input, chunks, limit)).toEqual([]);
}

describe('splitForDiscord', () => {
  it('leaves a message that fits alone', () => {
    expect(splitForDiscord('Hello **world**\n\n```ts\nconst a = 1;\n```\n')).toEqual([
      'Hello **world**\n\n```ts\nconst a = 1;\n```\n',
    ]);
    expect(splitForDiscord('')).toEqual([]);
    expect(splitForDiscord('   \n ')).toEqual([]);
  });

  it('cuts at the last paragraph break, keeping the blank line with the first message', () => {
    const first = `${'word '.repeat(300).trim()}.`; // 1499 chars
    const text = `${first}\n\n${'next '.repeat(200)}`;
    const parts = splitForDiscord(text);
    expect(parts).toEqual([`${first}\n\n`, 'next '.repeat(200)]);
    expect(parts.join('')).toBe(text);
  });

  it('prefers a line break to a sentence end, and a sentence end to a space', () => {
    const line = `${'a'.repeat(1200)}\n${'b. '.repeat(300)}`;
    expect(splitForDiscord(line)[0]).toBe(`${'a'.repeat(1200)}\n`);
    const sentences = `${'word '.repeat(250)}end. ${'more words '.repeat(100)}`;
    expect(splitForDiscord(sentences)[0]).toBe(`${'word '.repeat(250)}end. `);
    const spaces = 'word '.repeat(500);
    const parts = splitForDiscord(spaces);
    expect(parts[0]).toBe('word '.repeat(400));
    expect(parts.join('')).toBe(spaces);
  });

  it('does not take a paragraph break that would leave the message mostly empty', () => {
    const text = `Intro.\n\n${'word '.repeat(600)}`;
    const [first] = splitForDiscord(text);
    expect(first?.length).toBeGreaterThan(1900);
  });

  it('cuts one unbroken run hard, exactly at the limit', () => {
    const parts = splitForDiscord('x'.repeat(4500));
    expect(parts.map((p) => p.length)).toEqual([2000, 2000, 500]);
  });

  it('never splits a surrogate pair or an emoji sequence', () => {
    const emoji = splitForDiscord('😀'.repeat(1500));
    expect(emoji.map((p) => p.length)).toEqual([2000, 1000]);
    const family = '👨‍👩‍👧‍👦'; // 11 UTF-16 units, one grapheme
    const parts = splitForDiscord(family.repeat(400));
    for (const part of parts) expect(part.length % family.length).toBe(0);
    expect(parts.join('')).toBe(family.repeat(400));
  });

  it('splits CJK text after a full stop', () => {
    const sentence = `${'漢字仮名交じり文'.repeat(10)}。`;
    const text = sentence.repeat(40);
    const parts = splitForDiscord(text);
    expect(parts.length).toBeGreaterThan(1);
    for (const part of parts) expect(part.endsWith('。')).toBe(true);
    expect(parts.join('')).toBe(text);
  });

  it('closes a code block cut by the split and reopens it with the same language', () => {
    const code = Array.from({ length: 300 }, (_, i) => `  const value${i} = ${i};`).join('\n');
    const text = `Here is the code:\n\n\`\`\`ts\n${code}\n\`\`\`\nDone.`;
    const chunks = splitIntoChunks(text);
    expect(chunks.length).toBeGreaterThan(2);
    expect(chunks[0]?.text.endsWith('\n```')).toBe(true);
    for (const chunk of chunks.slice(1)) expect(chunk.text.startsWith('```ts\n  const value')).toBe(true);
    expect(chunks.at(-1)?.text.endsWith('```\nDone.')).toBe(true);
    // Indentation of the code line after each cut is kept.
    for (const chunk of chunks.slice(1)) expect(chunk.body.startsWith('  const')).toBe(true);
    checkChunks(text, chunks, DISCORD_MESSAGE_LIMIT);
  });

  it('keeps tilde fences and longer backtick fences as written', () => {
    for (const fence of ['~~~', '````']) {
      const text = `${fence}python\n${'print(1)\n'.repeat(400)}${fence}\n`;
      const chunks = splitIntoChunks(text);
      expect(chunks[1]?.reopen).toBe(`${fence}python\n`);
      expect(chunks[0]?.close).toBe(fence);
      checkChunks(text, chunks, DISCORD_MESSAGE_LIMIT);
    }
  });

  it('never leaves an empty code block on either side of a cut', () => {
    for (let pad = 1960; pad <= 2010; pad++) {
      const text = `${'p'.repeat(pad - 20)}\n\`\`\`js\nlet x = 1;\n\`\`\`\n${'tail '.repeat(50)}`;
      for (const part of splitForDiscord(text)) {
        expect(part).not.toMatch(/```js\n```/);
        expect(part).not.toMatch(/^```js\n```/);
      }
    }
  });

  it('closes a code block the answer left open', () => {
    expect(splitForDiscord('Start:\n```py\nprint(1)')).toEqual(['Start:\n```py\nprint(1)\n```']);
  });

  it('does not mistake a fence written mid-line for a block, nor create one by cutting before it', () => {
    const text = `${'word '.repeat(399)}\`\`\`not a fence\`\`\` ${'word '.repeat(20)}`;
    for (const part of splitForDiscord(text)) expect(part.startsWith('```')).toBe(false);
  });

  it('rejects limits too small to hold a repaired code block', () => {
    expect(() => splitForDiscord('x', 50)).toThrow(RangeError);
  });

  it('holds for random answers (property)', () => {
    fc.assert(
      fc.property(answerArb, fc.constantFrom(200, 333, 1000, DISCORD_MESSAGE_LIMIT), (answer, limit) => {
        const chunks = splitIntoChunks(answer, limit);
        const problems = chunkProblems(answer, chunks, limit);
        if (problems.length > 0) expect.fail(problems.slice(0, 5).join('\n'));
        const texts = splitForDiscord(answer, limit);
        if (texts.length !== chunks.length || texts.some((t, i) => t !== chunks[i]?.text))
          expect.fail('splitForDiscord differs');
      }),
      { numRuns: 200 },
    );
  });

  it('loses no text at all when no whitespace-only piece is left between messages (property)', () => {
    fc.assert(
      fc.property(answerArb, (answer) => {
        const chunks = splitIntoChunks(answer);
        const gapless = chunks.every((chunk, i) => chunk.start === (chunks[i - 1]?.end ?? 0));
        if (gapless && chunks.at(-1)?.end === answer.length)
          expect(chunks.map((c) => c.body).join('') === answer).toBe(true);
        // Gaps only come from whitespace runs; an answer without long ones and no trailing blank has none.
        if (!/\s{50}/.test(answer) && answer === answer.trimEnd() && answer === answer.trimStart())
          expect(gapless).toBe(true);
      }),
      { numRuns: 100 },
    );
  });
});
