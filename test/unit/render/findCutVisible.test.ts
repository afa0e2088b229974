import { describe, expect, it } from 'vitest';
import { NO_CARRY, findCut, scanMessage } from '../../../src/render/splitMessage.js';

const LIMIT = 2000;
/** Some words, then one unbroken run of emoji longer than a whole message. */
const text = `${'word '.repeat(60)}${'👨‍👩‍👧‍👦'.repeat(300)}`;
const map = scanMessage(text, 0, NO_CARRY, { limit: LIMIT, final: true });

describe('findCut keeps what a reader already sees', () => {
  it('without a visible end, the complete text is cut at the last space (the run moves whole)', () => {
    expect(findCut(text, map, LIMIT)).toBe(300);
  });

  it('with the view ending inside the run, the cut goes at or after it, between clusters', () => {
    const cut = findCut(text, map, LIMIT, { visibleEnd: 1500 });
    expect(cut).toBeGreaterThanOrEqual(1500);
    expect(cut).toBeLessThanOrEqual(LIMIT);
    expect((cut - 300) % '👨‍👩‍👧‍👦'.length).toBe(0);
  });

  it('a boundary a little before the visible end is still preferred to cutting a word', () => {
    const prose = `${'alpha beta gamma. '.repeat(110)}`; // 1980 chars of short words
    const proseMap = scanMessage(prose, 0, NO_CARRY, { limit: LIMIT, final: false });
    const cut = findCut(prose, proseMap, LIMIT, { frontier: 1975, visibleEnd: 1975 });
    expect(prose[cut - 1]).toBe(' ');
    expect(1975 - cut).toBeLessThanOrEqual(LIMIT * 0.2);
  });
});
