import { previousGraphemeBoundary } from './graphemes.js';

/**
 * The longest prefix of `text` of at most `maxChars` UTF-16 units (what Discord counts) that ends on a grapheme
 * boundary: never half a flag, an emoji sequence or a surrogate pair.
 */
export function clipText(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  return text.slice(0, previousGraphemeBoundary(text, Math.max(0, Math.floor(maxChars))));
}

/**
 * `text` itself when it fits in `maxChars`, else a prefix cut on a grapheme boundary, trailing whitespace dropped,
 * followed by `ellipsis`; the result never exceeds `maxChars` (the ellipsis is clipped too when nothing else fits).
 */
export function truncateText(text: string, maxChars: number, ellipsis = '…'): string {
  if (!Number.isFinite(maxChars) || maxChars < 0) throw new RangeError(`maxChars must be >= 0, got ${maxChars}`);
  if (text.length <= maxChars) return text;
  const room = Math.floor(maxChars) - ellipsis.length;
  if (room <= 0) return clipText(ellipsis, maxChars);
  return `${clipText(text, room).trimEnd()}${ellipsis}`;
}
