/**
 * One message's worth of an answer and the repairs around it: a code block, emphasis or spoiler, or quote that a
 * cut leaves open is closed at the end of the message and reopened at the start of the next.
 */
import { reopenLine, scanFences, type Fence, type FenceMap } from './fences.js';
import { scanMarkdown } from './markdownScan.js';
import { NO_MARKDOWN_CARRY, quotePrefix, type MarkdownCarry, type MarkdownMap } from './markdownSpans.js';

/** What a message reopens because the previous one ended inside it. */
export interface Carry {
  readonly fence: Fence | undefined;
  readonly markdown: MarkdownCarry;
}

export const NO_CARRY: Carry = { fence: undefined, markdown: NO_MARKDOWN_CARRY };

/** Scans of one message's text, from its first offset, with what it reopens. */
export interface MessageMap {
  readonly start: number;
  readonly carry: Carry;
  readonly fences: FenceMap;
  readonly markdown: MarkdownMap;
  /** The repair text at the top of the message. */
  readonly reopen: string;
}

export interface ScanOptions {
  /** The message limit: protected spans longer than a quarter of it may be cut. */
  readonly limit: number;
  /** False while streaming (the text may go on). */
  readonly final: boolean;
  /** Lines at or after this offset need not be scanned (default: all). */
  readonly to?: number;
}

export function scanMessage(text: string, start: number, carry: Carry, options: ScanOptions): MessageMap {
  const to = options.to ?? text.length;
  const fences = scanFences(text, start, carry.fence, to);
  const maxAtomLength = Math.floor(options.limit / 4);
  const markdown = scanMarkdown(text, start, carry.markdown, fences, { to, final: options.final, maxAtomLength });
  const reopen =
    quotePrefix(carry.markdown) + (carry.fence ? reopenLine(carry.fence) : '') + carry.markdown.marks.join('');
  return { start, carry, fences, markdown, reopen };
}

/** What the next message reopens when this one ends at p. */
export function carryAt(map: MessageMap, p: number): Carry {
  return { fence: map.fences.fenceAt(p), markdown: map.markdown.carryAt(p) };
}

/**
 * One message's worth of an answer. `text` = `reopen` + `body` + `close`, where `body` is answer[start, end) and
 * reopen/close are the repairs: fence lines when the split fell inside a code block, quote prefixes and emphasis
 * or spoiler markers when it fell inside those.
 */
export interface Chunk {
  readonly text: string;
  readonly body: string;
  readonly reopen: string;
  readonly close: string;
  readonly start: number;
  readonly end: number;
  /** The close ends an open code block (a cursor after it must go on its own line). */
  readonly closesFence: boolean;
}

interface Shape {
  readonly bodyStart: number;
  readonly bodyEnd: number;
  readonly marksClose: string;
  readonly fence: Fence | undefined;
}

const WHITESPACE = /\s/;

/** Where the body of the message for answer[start, end) begins and ends, and what it must close. */
function shapeOf(text: string, map: MessageMap, end: number): Shape {
  let bodyStart = map.start;
  // A reopened marker must touch the text it wraps, and a closing one too, or Discord shows plain stars.
  if (map.carry.markdown.marks.length > 0)
    while (bodyStart < end && WHITESPACE.test(text[bodyStart] ?? '')) bodyStart++;
  const marksClose = end > bodyStart ? map.markdown.closeAt(end) : '';
  let bodyEnd = end;
  if (marksClose !== '') while (bodyEnd > bodyStart && WHITESPACE.test(text[bodyEnd - 1] ?? '')) bodyEnd--;
  return { bodyStart, bodyEnd, marksClose, fence: map.fences.fenceAt(end) };
}

function fenceCloseLength(text: string, shape: Shape, reopen: string): number {
  if (!shape.fence) return 0;
  const needsNewline =
    shape.bodyEnd > shape.bodyStart ? text[shape.bodyEnd - 1] !== '\n' : reopen !== '' && !reopen.endsWith('\n');
  return shape.fence.marker.length + (needsNewline ? 1 : 0);
}

/** The message for answer[map.start, end): the body plus the repairs it needs to render on its own. */
export function chunkAt(text: string, map: MessageMap, end: number): Chunk {
  const shape = shapeOf(text, map, end);
  const body = text.slice(shape.bodyStart, shape.bodyEnd);
  const fenceLength = fenceCloseLength(text, shape, map.reopen);
  const fenceClose = shape.fence ? `${fenceLength > shape.fence.marker.length ? '\n' : ''}${shape.fence.marker}` : '';
  const close = shape.marksClose + fenceClose;
  const { reopen } = map;
  return {
    text: reopen + body + close,
    body,
    reopen,
    close,
    start: shape.bodyStart,
    end: shape.bodyEnd,
    closesFence: fenceClose !== '',
  };
}

/** Length of chunkAt(...).text without building it. */
export function chunkLength(text: string, map: MessageMap, end: number): number {
  const shape = shapeOf(text, map, end);
  return (
    map.reopen.length +
    (shape.bodyEnd - shape.bodyStart) +
    shape.marksClose.length +
    fenceCloseLength(text, shape, map.reopen)
  );
}

/** True when the text has something a reader can see (Discord rejects empty and whitespace-only content). */
export function isVisible(text: string): boolean {
  return /\S/.test(text);
}
