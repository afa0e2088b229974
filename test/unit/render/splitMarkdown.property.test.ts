import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DISCORD_MESSAGE_LIMIT, splitIntoChunks } from '../../../src/render/splitMessage.js';
import { markdownDocArb } from './markdownArbitraries.js';
import { markdownProblems } from './markdownChecks.js';
import { fencesBalanced } from './readerChecks.js';

describe('splitting hostile markdown (property)', () => {
  it('keeps every construct whole, closes and reopens what a cut leaves open, at every limit', () => {
    fc.assert(
      fc.property(markdownDocArb, fc.constantFrom(300, 500, 1000, DISCORD_MESSAGE_LIMIT), (doc, limit) => {
        const chunks = splitIntoChunks(doc.text, limit);
        const problems = markdownProblems(doc, chunks, limit);
        // Inside a `>>> ` quote the content after the marker is read as markdown of its own.
        for (const chunk of chunks) {
          if (!fencesBalanced(chunk.text.replace(/^>>> /, '')))
            problems.push(`unbalanced fences: ${chunk.text.slice(-80)}`);
        }
        if (problems.length > 0) expect.fail(`${problems.slice(0, 6).join('\n')}\n(text ${doc.text.length} chars)`);
      }),
      // Documents run to tens of thousands of characters: shrinking one would take minutes.
      { numRuns: 150, endOnFailure: true },
    );
  });
});
