import { Tiktoken } from 'js-tiktoken/lite';
import o200k_base from 'js-tiktoken/ranks/o200k_base';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  countPromptTokens,
  countTokens,
  countTokensAsync,
  safeSegments,
  TOKENS_PER_MESSAGE,
  TOKENS_PER_REPLY,
} from '../../src/tokens/tokenCounter.js';

const reference = new Tiktoken(o200k_base);

describe('token counting (o200k_base)', () => {
  it('matches known counts', () => {
    expect(countTokens('')).toBe(0);
    expect(countTokens('Hello, world!')).toBe(4);
    expect(countTokens('The quick brown fox jumps over the lazy dog.')).toBe(10);
  });

  it('counts special-token text as plain text instead of throwing', () => {
    expect(() => reference.encode('<|endoftext|>')).toThrow();
    expect(countTokens('<|endoftext|> hi')).toBe(reference.encode('<|endoftext|> hi', [], []).length);
    expect(countTokens('<|endoftext|>')).toBeGreaterThan(1);
  });

  it('equals the library count on ordinary text (words, code, CJK, emoji)', () => {
    const word = fc.constantFrom(
      'hello',
      'world',
      'the',
      'fn(x)',
      '{',
      '}',
      'こんにちは',
      '世界',
      '🎉',
      '👨‍👩‍👧',
      'naïve',
      '42',
      '\n',
      '\n\n',
      '  ',
    );
    fc.assert(
      fc.property(fc.array(word, { maxLength: 300 }), (words) => {
        const text = words.join(' ');
        expect(countTokens(text)).toBe(reference.encode(text, [], []).length);
      }),
      { numRuns: 200 },
    );
  });

  it('never hands the encoder a piece longer than the run cap, and loses no text', () => {
    const hostile = 'a'.repeat(5000) + ' ' + '🎉'.repeat(500) + ' '.repeat(300) + 'x';
    const segments = [...safeSegments(hostile)];
    expect(segments.join('')).toBe(hostile);
    for (const s of segments) expect(s.length).toBeLessThanOrEqual(512 + 48);
    for (const s of segments) expect(/\S{49}/u.test(s.replace(/[\uD800-\uDBFF][\uDC00-\uDFFF]/g, 'x'))).toBe(false);
  });

  it('async counting agrees with sync counting and lets other work run meanwhile', async () => {
    const hostile = 'b'.repeat(60_000);
    let otherWorkRan = false;
    setImmediate(() => {
      otherWorkRan = true;
    });
    const count = await countTokensAsync(hostile);
    expect(otherWorkRan).toBe(true);
    expect(count).toBe(countTokens(hostile));
    // A rough sanity bound: a run of one letter is about one token per 8 letters.
    expect(count).toBeGreaterThan(60_000 / 48);
    expect(count).toBeLessThan(60_000);
  });

  it('adds per-message framing and reply priming to prompt counts', () => {
    const messages = [{ content: 'Hello, world!' }, { content: 'x', tokens: 10 }];
    expect(countPromptTokens(messages)).toBe(4 + 10 + 2 * TOKENS_PER_MESSAGE + TOKENS_PER_REPLY);
  });
});
