import { Tiktoken } from 'js-tiktoken/lite';
import o200k_base from 'js-tiktoken/ranks/o200k_base';
import { describe, expect, it } from 'vitest';
import { buildCountingEncoder } from '../../../src/tokens/leanEncoder.js';

const SAMPLES = [
  'Hello, world! How are you today?',
  '  leading spaces, trailing\n\nnewlines\t\ttabs  ',
  'Ünïcødé, 日本語のテキスト, emoji 👩‍👩‍👧‍👦 and Ελληνικά',
  'const x = await fetch(`https://example.com/api?q=${encodeURIComponent(query)}`);',
  '1234567890 3.14159 -42 1e10 0xdeadbeef',
];

describe('the counting encoder', () => {
  const stock = new Tiktoken(o200k_base);
  const lean = buildCountingEncoder(o200k_base);

  it('encodes exactly like the stock o200k encoder', () => {
    for (const text of SAMPLES) expect(lean.encode(text, [], [])).toEqual(stock.encode(text, [], []));
  });

  it('knows every one of the 200k ranks, each at the same rank', () => {
    const stockRanks = (stock as unknown as { rankMap: Map<string, number> }).rankMap;
    const leanRanks = (lean as unknown as { rankMap: Map<string, number> }).rankMap;
    expect(leanRanks.size).toBe(stockRanks.size);
    expect(leanRanks.size).toBeGreaterThan(199_000);
    let mismatches = 0;
    for (const [bytes, rank] of stockRanks) if (leanRanks.get(bytes) !== rank) mismatches++;
    expect(mismatches).toBe(0);
  });
});
