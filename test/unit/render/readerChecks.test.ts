import { describe, expect, it } from 'vitest';
import { assertReassembles } from './readerChecks.js';

describe('assertReassembles', () => {
  it('reads a newline next to a fence repair as text when the next message needs it (found by the property)', () => {
    // The cut fell before "\n  y": the first message closes the block after "A {", the next reopens it with the
    // newline. Read greedily, the first message's "\n" before its closing fence would be taken as text.
    const answer = '```\nA {\n  y\n```';
    expect(assertReassembles(['```\nA {\n```', '```\n\n  y\n```'], answer)).toBe(answer.length);
  });

  it('still rejects text shown twice or missing', () => {
    expect(() => assertReassembles(['one two', 'two three'], 'one two three')).toThrow(/message 1/);
    expect(() => assertReassembles(['one', 'three'], 'one two three')).toThrow(/message 1/);
    expect(() => assertReassembles(['one two'], 'one two three')).toThrow(/missing/);
  });
});
