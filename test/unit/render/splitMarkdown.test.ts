import { describe, expect, it } from 'vitest';
import { DISCORD_MESSAGE_LIMIT, splitIntoChunks } from '../../../src/render/splitMessage.js';
import { hostileCorpus } from './fixtures/hostileMarkdown.js';
import { markdownProblems } from './markdownChecks.js';

describe('splitting the hostile-markdown corpus', () => {
  for (const { name, doc } of hostileCorpus) {
    it(`${name}: nothing cut apart, every repair in place`, () => {
      const chunks = splitIntoChunks(doc.text, DISCORD_MESSAGE_LIMIT);
      expect(chunks.length, 'the case really needs a split').toBeGreaterThan(1);
      expect(markdownProblems(doc, chunks, DISCORD_MESSAGE_LIMIT)).toEqual([]);
    });
  }

  it('closes nested marks innermost first and reopens them outermost first', () => {
    const doc = hostileCorpus.find((c) => c.name === 'nested emphasis and spoiler')?.doc;
    const [first, second] = splitIntoChunks(doc?.text ?? '');
    expect(first?.close).toBe('__*||');
    expect(second?.reopen).toBe('||*__');
    expect(second?.text).toMatch(/^\|\|\*__[a-z]/);
    expect(first?.text).toMatch(/[a-z]__\*\|\|$/);
  });

  it('restarts a >>> quote in every later message and a > line where it continues', () => {
    const block = splitIntoChunks(hostileCorpus.find((c) => c.name === 'block quote to the end')?.doc.text ?? '');
    expect(block.length).toBeGreaterThan(2);
    for (const chunk of block.slice(1)) expect(chunk.text.startsWith('>>> ')).toBe(true);
    const line = splitIntoChunks(hostileCorpus.find((c) => c.name === 'quoted line across the cut')?.doc.text ?? '');
    expect(line[1]?.text.startsWith('> ')).toBe(true);
    expect(line.at(-1)?.text.endsWith('\nunquoted')).toBe(true);
  });

  it('keeps a list marker with its item', () => {
    const chunks = splitIntoChunks(hostileCorpus.find((c) => c.name === 'list item marker')?.doc.text ?? '');
    for (const chunk of chunks) expect(chunk.text.trimEnd().endsWith('-')).toBe(false);
  });
});
