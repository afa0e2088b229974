import { describe, expect, it } from 'vitest';
import { compileArgsValidator } from '../../../src/tools/argsValidator.js';
import { createToolCallAccumulator } from '../../../src/tools/toolCallDeltas.js';
import { resultToText, truncateResult } from '../../../src/tools/toolResult.js';

describe('tool results as text', () => {
  it('keeps text parts and summarises the rest', () => {
    const text = resultToText({
      content: [
        { type: 'text', text: 'first' },
        { type: 'image', data: 'AAAA', mimeType: 'image/png' },
        { type: 'resource_link', uri: 'file:///a.txt', name: 'a' },
        { type: 'resource', resource: { uri: 'file:///b.txt', text: 'inside b' } },
        { type: 'resource', resource: { uri: 'file:///c.bin', blob: 'AAAA', mimeType: 'application/zip' } },
      ],
    });
    expect(text).toBe(
      'first\n[image image/png, 3 bytes, not shown]\n[resource link file:///a.txt]\n' +
        '[resource file:///b.txt]\ninside b\n' +
        '[resource file:///c.bin (application/zip), binary, not shown]',
    );
    expect(resultToText({ content: [], structuredContent: { temp: 21 } })).toBe('{"temp":21}');
  });

  it('truncates to the limit with a marker, never splitting a surrogate pair', () => {
    expect(truncateResult('short', 100)).toBe('short');
    const cut = truncateResult('a'.repeat(500), 100);
    expect(cut.length).toBeLessThanOrEqual(100);
    expect(cut).toMatch(/^a+\n…\[truncated: \d+ of 500 characters shown\]$/);
    for (let limit = 40; limit < 60; limit++) {
      const emoji = truncateResult('😀'.repeat(100), limit);
      expect(emoji.length).toBeLessThanOrEqual(limit);
      expect(emoji).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])/);
    }
  });
});

describe('argument checks', () => {
  const validate = compileArgsValidator({
    $schema: 'http://json-schema.org/draft-07/schema#',
    type: 'object',
    properties: { n: { type: 'integer', minimum: 1 } },
    required: ['n'],
    additionalProperties: false,
  });
  it('accepts valid arguments (empty string counts as {}) and explains invalid ones', () => {
    expect(validate('{"n":2}')).toEqual({ ok: true, args: { n: 2 } });
    expect(validate('')).toEqual({ ok: false, problem: "/ must have required property 'n'" });
    expect(validate('{"n":0,"x":1}')).toEqual({
      ok: false,
      problem: "/ must NOT have additional properties 'x'; /n must be >= 1",
    });
    expect(validate('[1]')).toMatchObject({ ok: false, problem: 'the arguments must be a JSON object' });
    expect(validate('{"n":')).toMatchObject({ ok: false, problem: 'the arguments are not valid JSON' });
  });
});

describe('tool-call delta accumulation', () => {
  it('joins fragments by index, in index order, and fills missing ids', () => {
    const acc = createToolCallAccumulator();
    acc.add([{ index: 1, id: 'call_b', type: 'function', function: { name: 'b', arguments: '' } }]);
    acc.add([{ index: 0, function: { name: 'a', arguments: '{"x"' } }]);
    acc.add([
      { index: 1, function: { arguments: '{}' } },
      { index: 0, function: { arguments: ':1}' } },
    ]);
    acc.add(undefined);
    expect(acc.calls()).toEqual([
      { id: 'call_0', name: 'a', arguments: '{"x":1}' },
      { id: 'call_b', name: 'b', arguments: '{}' },
    ]);
  });
});
