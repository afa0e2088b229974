/**
 * Where one message's text has Discord markdown that a split must respect: spans no cut may enter (links, URLs,
 * inline code, mentions, emoji, timestamps, delimiter runs, a list or quote marker and its first word), and the
 * emphasis/spoiler/quote state a cut leaves open, which the message must close and the next one reopen.
 *
 * Emphasis pairs are found like CommonMark's delimiter stack (flanking runs, `***` as `*` + `**`), simplified the
 * way Discord is: pairs never cross a blank line or a code block. While streaming, an opener whose closer has not
 * arrived yet is taken to be open (models close what they open); once the text is complete an unmatched delimiter
 * is just a character.
 */
import type { FenceMap } from './fences.js';

/** What a message that starts at a cut must restore so its text renders as it did in the whole answer. */
export interface MarkdownCarry {
  /** Emphasis and spoiler markers open at the cut, outermost first (`**`, `*`, `__`, `_`, `~~`, `||`). */
  readonly marks: readonly string[];
  /** A `>>> ` quote runs to the end of the answer's message: every later message starts it again. */
  readonly blockQuote: boolean;
  /** The cut fell inside a `> ` line: the rest of that line is still quoted. */
  readonly lineQuote: boolean;
  /** The cut fell inside a link or URL too long to keep whole: its rest, up to here, is no markdown. */
  readonly opaqueUntil?: number;
}

export const NO_MARKDOWN_CARRY: MarkdownCarry = { marks: [], blockQuote: false, lineQuote: false };

/** The quote prefix a message starting with this carry needs (before any fence line). */
export function quotePrefix(carry: MarkdownCarry): string {
  return carry.blockQuote ? '>>> ' : carry.lineQuote ? '> ' : '';
}

export interface Pair {
  readonly marker: string;
  readonly openStart: number;
  readonly openEnd: number;
  /** Offset of the closing run; Infinity when the mark is still open where the scan ends. */
  readonly closeStart: number;
  /** Carried marks sort before everything else, in their carried order. */
  readonly carried: boolean;
  readonly seq: number;
}

export interface MarkdownScanOptions {
  /** Scan no line that starts at or after this offset, unless the paragraph it belongs to began earlier. */
  readonly to: number;
  /** False while streaming: the text may go on, so openers without a closer yet count as open. */
  readonly final: boolean;
  /** Longer links, URLs and inline code are not kept whole (a cut may enter them). */
  readonly maxAtomLength: number;
}

/** Lookups by offset for the markdown of one scanned message. */
export class MarkdownMap {
  constructor(
    private readonly from: number,
    private readonly blocked: Uint8Array,
    private readonly pairs: readonly Pair[],
    private readonly blockQuoteAt: number | undefined,
    private readonly quoteLines: ReadonlyArray<readonly [number, number]>,
    private readonly fences: FenceMap,
    private readonly longAtoms: ReadonlyArray<readonly [number, number]>,
  ) {}

  /** True when a cut at p would fall inside something that must stay whole. */
  isBlocked(p: number): boolean {
    return this.blocked[p - this.from] === 1;
  }

  /** What the next message must restore if this one ends at p. */
  carryAt(p: number): MarkdownCarry {
    const blockQuote = this.blockQuoteAt !== undefined && this.blockQuoteAt < p;
    const lineQuote = !blockQuote && this.quoteLines.some(([start, end]) => start < p && p <= end);
    const opaqueUntil = this.longAtoms.find(([start, end]) => start < p && p < end)?.[1];
    const carry = { marks: this.marksAt(p), blockQuote, lineQuote };
    return opaqueUntil === undefined ? carry : { ...carry, opaqueUntil };
  }

  /** The closing markers a message ending at p needs, innermost first. */
  closeAt(p: number): string {
    return [...this.marksAt(p)].reverse().join('');
  }

  private marksAt(p: number): string[] {
    if (this.fences.placeAt(p) !== 'text') return [];
    return this.pairs
      .filter((pair) => pair.openEnd <= p && p < pair.closeStart)
      .sort((a, b) => Number(b.carried) - Number(a.carried) || a.openStart - b.openStart || a.seq - b.seq)
      .map((pair) => pair.marker);
  }
}
