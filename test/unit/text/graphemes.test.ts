import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  graphemeBoundaries,
  isGraphemeBoundary,
  lastGraphemeStart,
  nextGraphemeBoundary,
  previousGraphemeBoundary,
} from '../../../src/text/graphemes.js';

const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** Reference: segment the whole text at once (slow on long text, so only used in tests). */
function allBoundaries(text: string): number[] {
  const out = [...segmenter.segment(text)].map((s) => s.index);
  out.push(text.length);
  return out;
}

const US = '🇺🇸';
const DE = '🇩🇪';
const FAMILY = '👨‍👩‍👧‍👦';
/** Units that interact across a fixed window: regional indicators pair up from the start of their run. */
const unit = fc.constantFrom(
  'a',
  ' ',
  '\n',
  '\r',
  '\r\n',
  US,
  DE,
  '🇺',
  FAMILY,
  '\u200d',
  'e\u0301',
  '\u0301',
  '👍🏽',
  'க்ஷ',
  '각',
  '\u1100',
  '\u1161',
  'x',
);

describe('grapheme boundaries', () => {
  it('finds the boundary of a flag after an odd run of regional indicators longer than any window', () => {
    // 🇺 then 100 flags: the pairs are shifted by one, so every flag boundary is at an odd offset pair.
    const text = `🇺${`${US}${DE}`.repeat(50)}!`;
    const expected = allBoundaries(text);
    for (const p of [150, 151, 152, 200, 201, text.length - 1]) {
      expect(previousGraphemeBoundary(text, p)).toBe(Math.max(...expected.filter((b) => b <= p)));
    }
    // A cut near the end never separates the regional indicators of one flag.
    const cut = previousGraphemeBoundary(text, 399);
    expect(expected).toContain(cut);
  });

  it('keeps ZWJ sequences and combining marks whole', () => {
    const text = `ab${FAMILY}${'e\u0301\u0302'.repeat(3)}`;
    expect(previousGraphemeBoundary(text, 5)).toBe(2);
    expect(nextGraphemeBoundary(text, 5)).toBe(2 + FAMILY.length);
    expect(isGraphemeBoundary(text, 2 + FAMILY.length + 1)).toBe(false);
    expect(lastGraphemeStart(text)).toBe(text.length - 3);
    expect(lastGraphemeStart('')).toBe(0);
  });

  it('never splits CR LF', () => {
    expect(previousGraphemeBoundary('ab\r\ncd', 3)).toBe(2);
    expect(nextGraphemeBoundary('ab\r\ncd', 3)).toBe(4);
  });

  it('agrees with segmenting the whole text (property)', () => {
    fc.assert(
      fc.property(fc.array(unit, { maxLength: 200 }), fc.nat(), (units, seed) => {
        const text = units.join('');
        const expected = allBoundaries(text);
        const p = text.length === 0 ? 0 : seed % (text.length + 1);
        expect(previousGraphemeBoundary(text, p)).toBe(Math.max(...expected.filter((b) => b <= p)));
        expect(nextGraphemeBoundary(text, p)).toBe(Math.min(...expected.filter((b) => b >= p)));
        const from = Math.floor(p / 2);
        expect(graphemeBoundaries(text, from, p)).toEqual(expected.filter((b) => b >= from && b <= p));
      }),
      { numRuns: 500 },
    );
  });

  it('uses a known boundary to bound the look-back and still agrees', () => {
    const text = `${'🇺'}${US.repeat(300)}`; // no safe anchor anywhere but the start
    const known = previousGraphemeBoundary(text, 301);
    expect(allBoundaries(text)).toContain(known);
    expect(previousGraphemeBoundary(text, 500, known)).toBe(previousGraphemeBoundary(text, 500));
  });
});
