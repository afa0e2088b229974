/** Plain text questions the markdown scanner asks: blank lines, spaces, paragraph ends, backtick runs. */
import { looksLikeFenceLine } from './fences.js';

const BLANK_LINE = /^[ \t]*\r?(?:\n|$)/;

/** No character, or whitespace: what flanks a delimiter run that cannot open (or close) emphasis. */
export function isSpace(ch: string | undefined): boolean {
  return ch === undefined || /\s/u.test(ch);
}

/** Where the scan may stop: the first blank or fence line at or after `to` (pairs never cross those). */
export function scanLimit(text: string, to: number): number {
  if (to >= text.length) return text.length;
  let lineStart = text.lastIndexOf('\n', to - 1) + 1;
  if (lineStart < to) lineStart = text.indexOf('\n', to) + 1 || text.length;
  while (lineStart < text.length) {
    if (isBlankLine(text, lineStart) || looksLikeFenceLine(text, lineStart)) return lineStart;
    lineStart = text.indexOf('\n', lineStart) + 1 || text.length;
  }
  return text.length;
}

/** Whether the line starting at `lineStart` is blank. */
export function isBlankLine(text: string, lineStart: number): boolean {
  return BLANK_LINE.test(text.slice(lineStart, lineStart + 256));
}

/** Where the paragraph holding `i` ends (just past its blank line), or `end`. */
export function paragraphEnd(text: string, i: number, end: number): number {
  const match = /\n[ \t]*\r?\n/.exec(text.slice(i, end));
  return match ? i + match.index + 1 : end;
}

/** The first run of exactly n backticks at or after `from`, before `limit`; -1 when none. */
export function closingBackticks(text: string, from: number, n: number, limit: number): number {
  for (let k = text.indexOf('`', from); k !== -1 && k < limit; k = text.indexOf('`', k)) {
    let run = 1;
    while (text[k + run] === '`') run++;
    if (run === n) return k;
    k += run;
  }
  return -1;
}
