import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isGraphemeBoundary } from '../../../src/text/graphemes.js';
import { clipText, truncateText } from '../../../src/text/truncate.js';

describe('truncateText', () => {
  it('returns text that fits unchanged', () => {
    expect(truncateText('hello', 5)).toBe('hello');
    expect(truncateText('', 0)).toBe('');
  });

  it('cuts before a flag or emoji sequence rather than through it', () => {
    expect(truncateText('hi 🇺🇸🇩🇪 there', 7)).toBe('hi…');
    expect(truncateText('hi 🇺🇸🇩🇪 there', 10)).toBe('hi 🇺🇸…');
    expect(truncateText('hi 👨‍👩‍👧‍👦 ok', 10)).toBe('hi…');
    expect(truncateText('café\u0301 au lait', 5)).toBe('caf…');
  });

  it('drops whitespace before the ellipsis and honours a custom one', () => {
    expect(truncateText('one two three', 8)).toBe('one two…');
    expect(truncateText('one two three', 9, ' [...]')).toBe('one [...]');
  });

  it('clips the ellipsis itself when nothing else fits', () => {
    expect(truncateText('abcdef', 2, '...')).toBe('..');
    expect(() => truncateText('abc', -1)).toThrow(RangeError);
  });

  it('never exceeds the limit and never ends inside a character (property)', () => {
    const unit = fc.constantFrom('a', ' ', '🇺🇸', '👍🏽', 'e\u0301', '😀', '\n', '👨‍👩‍👧‍👦');
    fc.assert(
      fc.property(fc.array(unit, { maxLength: 80 }), fc.integer({ min: 0, max: 120 }), (units, max) => {
        const text = units.join('');
        const out = truncateText(text, max);
        expect(out.length).toBeLessThanOrEqual(max);
        const kept = out.endsWith('…') && out !== text ? out.slice(0, -1) : out;
        expect(text.startsWith(kept)).toBe(true);
        expect(isGraphemeBoundary(text, kept.length)).toBe(true);
        const clipped = clipText(text, max);
        expect(clipped.length).toBeLessThanOrEqual(max);
        expect(isGraphemeBoundary(text, clipped.length)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});
