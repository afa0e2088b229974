/**
 * Where fenced code blocks are in an answer, so a split can close a block at the end of one message and reopen it
 * at the start of the next. Fences are recognised per line (any indentation), like CommonMark but without its
 * 3-space indentation limit, because Discord is lenient there too.
 */

/** A code block's fence: enough to close it and to reopen it the same way. */
export interface Fence {
  /** The fence run without indentation, e.g. "```" or "~~~~"; a closer needs the same character at least this often. */
  readonly marker: string;
  /** Language tag (first word of the info string), '' when none. */
  readonly lang: string;
}

/** One code block, in offsets of the scanned text. */
export interface CodeSpan {
  readonly fence: Fence;
  /** Start of the opening fence line; equals contentStart for a block carried in from an earlier message. */
  readonly openStart: number;
  /** First offset after the opening fence line. */
  readonly contentStart: number;
  /** Start of the closing fence line; undefined while the block is still open at the end of the text. */
  readonly closeStart: number | undefined;
  /** First offset after the closing fence line (after its newline). */
  readonly closeEnd: number | undefined;
  /** Offset of the first non-whitespace character of the content (closeStart or the end when there is none). */
  readonly firstVisible: number;
  /** Offset after the last non-whitespace character of the content (contentStart when there is none). */
  readonly lastVisibleEnd: number;
}

/** What a cut at an offset would fall into. */
export type Place = 'text' | 'code' | 'fence';

/** Longer fence runs are not treated as fences: a reopen line must stay short enough to fit in any message. */
const MAX_FENCE_MARKER_LENGTH = 16;
/** Longer lines are never fences (keeps the no-cut zone around a fence line small). */
export const MAX_FENCE_LINE_LENGTH = 100;
/** Longer language tags are dropped when reopening; Discord only knows short ones anyway. */
const MAX_LANG_LENGTH = 32;

interface FenceRun {
  char: '`' | '~';
  length: number;
  rest: string;
}

/** The fence run a line starts with (after indentation), or undefined. */
function fenceRun(line: string): FenceRun | undefined {
  if (line.length > MAX_FENCE_LINE_LENGTH) return undefined;
  const trimmed = line.replace(/^[ \t]+/, '');
  const char = trimmed[0];
  if (char !== '`' && char !== '~') return undefined;
  let length = 1;
  while (trimmed[length] === char) length++;
  if (length < 3) return undefined;
  const rest = trimmed.slice(length);
  // CommonMark: a backtick fence's info string cannot contain a backtick (that is inline code).
  if (char === '`' && rest.includes('`')) return undefined;
  return { char, length, rest };
}

function openingFence(line: string): Fence | undefined {
  const run = fenceRun(line);
  if (!run || run.length > MAX_FENCE_MARKER_LENGTH) return undefined;
  const lang = run.rest.trim().split(/\s+/)[0] ?? '';
  return { marker: run.char.repeat(run.length), lang: lang.length > MAX_LANG_LENGTH ? '' : lang };
}

function closesFence(line: string, fence: Fence): boolean {
  const run = fenceRun(line);
  return (
    run !== undefined && run.char === fence.marker[0] && run.length >= fence.marker.length && run.rest.trim() === ''
  );
}

/** True when a line begins like a fence (even one that is not valid): never cut inside or just before one mid-line. */
export function looksLikeFenceLine(text: string, lineStart: number): boolean {
  return /^[ \t]*(```|~~~)/.test(text.slice(lineStart, lineStart + MAX_FENCE_LINE_LENGTH));
}

export function reopenLine(fence: Fence): string {
  return `${fence.marker}${fence.lang}\n`;
}

/** Code blocks of one scanned region, with lookups by offset. */
export class FenceMap {
  constructor(readonly spans: readonly CodeSpan[]) {}

  private spanAround(p: number): CodeSpan | undefined {
    for (const span of this.spans) {
      if (p <= span.openStart) return undefined;
      if (span.closeEnd === undefined || p < span.closeEnd) return span;
    }
    return undefined;
  }

  placeAt(p: number): Place {
    const span = this.spanAround(p);
    if (!span) return 'text';
    if (p < span.contentStart) return 'fence';
    if (span.closeStart === undefined || p <= span.closeStart) return 'code';
    return 'fence';
  }

  /** The block a cut at p would have to close and reopen, if any. */
  fenceAt(p: number): Fence | undefined {
    return this.placeAt(p) === 'code' ? this.spanAround(p)?.fence : undefined;
  }

  /**
   * Inside a block but with only whitespace between p and one of its fences: a cut there would leave an empty
   * code block in one of the two messages.
   */
  isBlockEdge(p: number): boolean {
    const span = this.spanAround(p);
    if (!span || this.placeAt(p) !== 'code') return false;
    return p <= span.firstVisible || (span.closeStart !== undefined && p >= span.lastVisibleEnd);
  }

  /** Right before an opening fence line or right after a closing one: as good a cut as a paragraph break. */
  isBlockBoundary(p: number): boolean {
    return this.spans.some((s) => (p === s.openStart && s.openStart < s.contentStart) || p === s.closeEnd);
  }
}

function withVisibleContent(text: string, span: Omit<CodeSpan, 'firstVisible' | 'lastVisibleEnd'>): CodeSpan {
  const contentEnd = span.closeStart ?? text.length;
  let firstVisible = span.contentStart;
  while (firstVisible < contentEnd && /\s/.test(text[firstVisible] ?? '')) firstVisible++;
  let lastVisibleEnd = contentEnd;
  while (lastVisibleEnd > firstVisible && /\s/.test(text[lastVisibleEnd - 1] ?? '')) lastVisibleEnd--;
  return { ...span, firstVisible, lastVisibleEnd };
}

/** `from` itself when it starts a line, else the start of the following line (or the end). */
function startOfNextLine(text: string, from: number): number {
  if (from === 0 || text[from - 1] === '\n') return from;
  const newline = text.indexOf('\n', from);
  return newline === -1 ? text.length : newline + 1;
}

/**
 * Scan text from `from` (a message's first offset) to the end. `carried` is the block that is open at `from`
 * (the message reopens it). A last line without newline is read as if complete; callers that stream hold such a
 * line back while it could still turn into a fence. A partial first line (from is mid-line) is never a fence.
 * Lines starting at or after `to` are not scanned (a split only needs the next message's worth).
 */
export function scanFences(text: string, from = 0, carried?: Fence, to = text.length): FenceMap {
  const spans: CodeSpan[] = [];
  let open: { fence: Fence; openStart: number; contentStart: number } | undefined = carried
    ? { fence: carried, openStart: from, contentStart: from }
    : undefined;
  let lineStart = startOfNextLine(text, from);
  while (lineStart < Math.min(to, text.length)) {
    const newline = text.indexOf('\n', lineStart);
    const lineEnd = newline === -1 ? text.length : newline;
    const next = newline === -1 ? text.length : newline + 1;
    const line = text.slice(lineStart, lineEnd);
    if (open) {
      if (closesFence(line, open.fence)) {
        spans.push(withVisibleContent(text, { ...open, closeStart: lineStart, closeEnd: next }));
        open = undefined;
      }
    } else {
      const fence = openingFence(line);
      if (fence) open = { fence, openStart: lineStart, contentStart: next };
    }
    lineStart = next;
  }
  if (open) spans.push(withVisibleContent(text, { ...open, closeStart: undefined, closeEnd: undefined }));
  return new FenceMap(spans);
}
