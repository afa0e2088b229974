import { MAX_FENCE_LINE_LENGTH, type FenceMap } from './fences.js';
import type { Chunk } from './splitMessage.js';

/** Shown at the end of a message while the answer is still coming; the final edit removes it. */
export const STREAM_CURSOR = ' ▌';

const HIGH_SURROGATE_MIN = 0xd800;
const HIGH_SURROGATE_MAX = 0xdbff;
/** A last line that may still become a fence ("`", "``", "```py" without its newline yet). */
const MAYBE_FENCE_LINE = /^[ \t]*(`{1,2}|~{1,2}|`{3,}[^`]*|~{3,}.*)$/;

/**
 * How much of the streamed text to show: all of it, except a last partial line that may still turn into a
 * fence, and a code block that has no content yet. Showing "```pyt" or "```python\n```" would flash raw
 * backticks or an empty block (Discord would even render the language tag as the code) until more arrives.
 */
export function visibleEnd(text: string, start: number, map: FenceMap): number {
  const end = lineSafeEnd(text, start);
  const last = map.spans[map.spans.length - 1];
  const emptyOpenBlock =
    last && last.closeStart === undefined && last.openStart < last.contentStart && last.firstVisible >= end;
  return emptyOpenBlock ? Math.min(end, last.openStart) : end;
}

function lineSafeEnd(text: string, start: number): number {
  // A delta may end between the two halves of a surrogate pair: never show half a character.
  const last = text.charCodeAt(text.length - 1);
  if (last >= HIGH_SURROGATE_MIN && last <= HIGH_SURROGATE_MAX)
    return Math.max(start, lineSafeEnd(text.slice(0, -1), start));
  const lineStart = text.lastIndexOf('\n', text.length - 1) + 1;
  if (lineStart < start) return text.length; // the message starts mid-line: that line is no fence here
  const partial = text.slice(lineStart);
  return partial.length <= MAX_FENCE_LINE_LENGTH && MAYBE_FENCE_LINE.test(partial) ? lineStart : text.length;
}

/**
 * What a reader sees while a message grows: the chunk (a code block still open is closed for now, so the code
 * renders as code) followed by the cursor.
 */
export function withCursor(chunk: Chunk): string {
  return chunk.closesFence ? `${chunk.text}\n${STREAM_CURSOR}` : `${chunk.text}${STREAM_CURSOR}`;
}

/** A view as it reads without the cursor (the inverse of withCursor). */
export function withoutCursor(view: string): string {
  if (!view.endsWith(STREAM_CURSOR)) return view;
  const text = view.slice(0, -STREAM_CURSOR.length);
  return text.endsWith('\n') ? text.slice(0, -1) : text;
}
