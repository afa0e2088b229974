/**
 * Grapheme cluster boundaries (what a reader sees as one character: a flag, a ZWJ family, a letter with combining
 * marks). Intl.Segmenter decides; we only choose where it starts reading. A fixed look-back window breaks on long
 * runs (an odd number of regional indicators shifts every flag after it), so segmentation always starts at an
 * offset that is a boundary whatever precedes it.
 */

const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

const LF = 0x0a;
const CR = 0x0d;
/** Segment this much past the offset in question when its cluster may run on (grown as needed). */
const LOOKAHEAD_CHARS = 64;

function isPrintableAscii(code: number): boolean {
  return code >= 0x20 && code <= 0x7e;
}

/**
 * True when offset p is a boundary no matter what text comes before it: the ends, after a line break, before a
 * line break (but not inside CR LF), and between two printable ASCII characters (UAX #29 GB3-GB5 and GB999;
 * no other rule involves ASCII on either side).
 */
export function isSafeAnchor(text: string, p: number): boolean {
  if (p <= 0 || p >= text.length) return true;
  const before = text.charCodeAt(p - 1);
  const after = text.charCodeAt(p);
  if (before === CR) return after !== LF;
  if (before === LF || after === LF || after === CR) return true;
  return isPrintableAscii(before) && isPrintableAscii(after);
}

/** The latest safe anchor at or before p, not before floor (floor must itself be a known boundary). */
function anchorAtOrBefore(text: string, p: number, floor: number): number {
  let q = Math.min(p, text.length);
  while (q > floor && !isSafeAnchor(text, q)) q--;
  return Math.max(q, floor);
}

/**
 * Every grapheme boundary in [from, to] (sorted), the text's end included when in range. `knownBoundary` (≤ from)
 * is an offset the caller knows to be a boundary, e.g. where its message starts; it bounds the look-back.
 */
export function graphemeBoundaries(text: string, from: number, to: number, knownBoundary = 0): number[] {
  const lo = Math.max(0, from);
  const hi = Math.min(text.length, to);
  if (hi < lo) return [];
  const anchor = anchorAtOrBefore(text, lo, Math.min(Math.max(0, knownBoundary), lo));
  // Each boundary depends only on the text before it and the one code point after it.
  const out: number[] = [];
  for (const { index } of segmenter.segment(text.slice(anchor, Math.min(text.length, hi + 2)))) {
    const p = anchor + index;
    if (p >= lo && p <= hi) out.push(p);
  }
  if (hi === text.length && out[out.length - 1] !== hi) out.push(hi);
  return out;
}

/** The latest grapheme boundary at or before index (0 for index ≤ 0, text.length past the end). */
export function previousGraphemeBoundary(text: string, index: number, knownBoundary = 0): number {
  if (index >= text.length) return text.length;
  if (index <= 0) return 0;
  const anchor = anchorAtOrBefore(text, index, Math.min(Math.max(0, knownBoundary), index));
  let best = anchor;
  for (const { index: at } of segmenter.segment(text.slice(anchor, Math.min(text.length, index + 2)))) {
    if (anchor + at <= index) best = anchor + at;
  }
  return best;
}

/** The earliest grapheme boundary at or after index (text.length at most). */
export function nextGraphemeBoundary(text: string, index: number, knownBoundary = 0): number {
  if (index <= 0) return 0;
  if (index >= text.length) return text.length;
  const anchor = anchorAtOrBefore(text, index, Math.min(Math.max(0, knownBoundary), index));
  for (let ahead = LOOKAHEAD_CHARS; ; ahead *= 2) {
    const end = Math.min(text.length, index + ahead);
    // A start is only certain when its whole first code point is inside the slice.
    for (const { index: at } of segmenter.segment(text.slice(anchor, end))) {
      if (anchor + at >= index && (anchor + at + 1 < end || end === text.length)) return anchor + at;
    }
    if (end === text.length) return text.length;
  }
}

export function isGraphemeBoundary(text: string, index: number, knownBoundary = 0): boolean {
  return previousGraphemeBoundary(text, index, knownBoundary) === index;
}

/** Offset where the text's last grapheme cluster starts (0 when empty). */
export function lastGraphemeStart(text: string): number {
  return text.length === 0 ? 0 : previousGraphemeBoundary(text, text.length - 1);
}

/** True when a cut at p would separate the two halves of a surrogate pair. */
export function splitsSurrogatePair(text: string, p: number): boolean {
  const before = text.charCodeAt(p - 1);
  const after = text.charCodeAt(p);
  return before >= 0xd800 && before <= 0xdbff && after >= 0xdc00 && after <= 0xdfff;
}
