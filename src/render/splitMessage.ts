import { MAX_FENCE_LINE_LENGTH, looksLikeFenceLine, reopenLine, scanFences, type Fence, type FenceMap } from './fences.js';

/** Discord rejects message content longer than this (create and edit). */
export const DISCORD_MESSAGE_LIMIT = 2000;
/** Below this a reopen line plus a close line could crowd out the text itself. */
export const MIN_SPLIT_LIMIT = 200;
/** A boundary of a better kind is only taken if the message is at least this full; otherwise try a lesser kind. */
const MIN_FILL_RATIO = 0.5;
/** How far back from a hard cut we look for a grapheme boundary (long emoji ZWJ sequences, combining marks). */
const GRAPHEME_WINDOW_CHARS = 64;

/**
 * One message's worth of an answer. `text` = `reopen` + `body` + `close`, where `body` is answer[start, end) and
 * reopen/close are the fence repair lines added because the split fell inside a code block.
 */
export interface Chunk {
  readonly text: string;
  readonly body: string;
  readonly reopen: string;
  readonly close: string;
  readonly start: number;
  readonly end: number;
}

/** Kinds of boundary, best last. */
const Boundary = { none: 0, space: 1, sentence: 2, line: 3, paragraph: 4 } as const;
type BoundaryKind = (typeof Boundary)[keyof typeof Boundary];
const KINDS_BEST_FIRST: readonly BoundaryKind[] = [Boundary.paragraph, Boundary.line, Boundary.sentence, Boundary.space];

const SENTENCE_END = /[.!?…]/;
/** Closing marks that may sit between a sentence end and the following space: `"Done."`, `**Done.**`, `(Done.)`. */
const SENTENCE_CLOSERS = /[)\]"'’”»*_`]/;
const MAX_SENTENCE_CLOSERS = 3;
/** CJK text has no spaces: its full stops and commas are the boundaries. */
const CJK_SENTENCE_END = /[。！？]/;
const CJK_PAUSE = /[，、；：]/;
const WHITESPACE = /\s/;

const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

export function assertSplitLimit(limit: number): void {
  if (!Number.isInteger(limit) || limit < MIN_SPLIT_LIMIT) {
    throw new RangeError(`message limit must be an integer of at least ${MIN_SPLIT_LIMIT}, got ${limit}`);
  }
}

/** True when the text has something a reader can see (Discord rejects empty and whitespace-only content). */
export function isVisible(text: string): boolean {
  return /\S/.test(text);
}

/** The line that closes `fence` at the end of a message whose text so far is `before`. */
function closeLine(before: string, fence: Fence): string {
  return before.endsWith('\n') || before === '' ? fence.marker : `\n${fence.marker}`;
}

/** The message for answer[start, end): the body plus the fence repairs it needs to render on its own. */
export function chunkAt(text: string, start: number, end: number, carried: Fence | undefined, map: FenceMap): Chunk {
  const reopen = carried ? reopenLine(carried) : '';
  const body = text.slice(start, end);
  const open = map.fenceAt(end);
  const close = open ? closeLine(reopen + body, open) : '';
  return { text: reopen + body + close, body, reopen, close, start, end };
}

/** Length of chunkAt(...).text without building it. */
function chunkLength(text: string, start: number, end: number, reopenLength: number, map: FenceMap): number {
  const open = map.fenceAt(end);
  const closeLength = open ? open.marker.length + (end > start && text[end - 1] !== '\n' ? 1 : 0) : 0;
  return reopenLength + (end - start) + closeLength;
}

/**
 * Where a cut may fall at all: never inside a fence line, never leaving an empty code block, and never mid-line
 * right before something that would read as a fence at the start of the next message.
 */
function cutAllowed(text: string, p: number, map: FenceMap): boolean {
  if (map.placeAt(p) === 'fence' || map.isBlockEdge(p)) return false;
  if (text[p - 1] === '\n') return true;
  const lineStart = text.lastIndexOf('\n', p - 1) + 1;
  return !looksLikeFenceLine(text, lineStart) && !looksLikeFenceLine(text, p);
}

function endsSentence(text: string, spaceRunStart: number, floor: number): boolean {
  let i = spaceRunStart - 1;
  for (let skipped = 0; i > floor && skipped < MAX_SENTENCE_CLOSERS && SENTENCE_CLOSERS.test(text[i] ?? ''); skipped++) i--;
  return SENTENCE_END.test(text[i] ?? '');
}

/**
 * The kind of boundary a cut at p would be. Cuts go after whitespace (it stays at the end of the earlier message,
 * where Discord trims it) and never into the indentation of a code line.
 */
function boundaryAt(text: string, p: number, start: number, map: FenceMap, final: boolean): BoundaryKind {
  // While streaming, the character after the frontier is unknown: it may continue a whitespace run or a word.
  if (p >= text.length && !final) return Boundary.none;
  const prev = text[p - 1] ?? '';
  const next = text[p];
  const inCode = map.placeAt(p) === 'code';
  if (prev === '\n') {
    if (next === '\n' || next === '\r') return Boundary.none; // wait for the end of the blank lines
    if (inCode) return Boundary.line;
    const blankLineBefore = p - 2 >= start && /^\r?\n$/.test(text.slice(text.lastIndexOf('\n', p - 2) + 1, p));
    return blankLineBefore || map.isBlockBoundary(p) ? Boundary.paragraph : Boundary.line;
  }
  if (next === undefined || WHITESPACE.test(next)) return Boundary.none;
  if (prev === ' ' || prev === '\t') {
    if (inCode) return Boundary.space;
    let runStart = p - 1;
    while (runStart > start && (text[runStart - 1] === ' ' || text[runStart - 1] === '\t')) runStart--;
    return endsSentence(text, runStart, start) ? Boundary.sentence : Boundary.space;
  }
  if (inCode) return Boundary.none;
  if (CJK_SENTENCE_END.test(prev)) return Boundary.sentence;
  if (CJK_PAUSE.test(prev)) return Boundary.space;
  return Boundary.none;
}

/** Offsets in [from, to] where a grapheme cluster starts (a cut there splits no emoji or surrogate pair). */
function graphemeStarts(text: string, from: number, to: number, final: boolean): Set<number> {
  const windowStart = Math.max(from, to - GRAPHEME_WINDOW_CHARS);
  const starts = new Set<number>();
  for (const { index } of segmenter.segment(text.slice(windowStart, Math.min(text.length, to + GRAPHEME_WINDOW_CHARS)))) {
    starts.add(windowStart + index);
  }
  // The end of the text ends a cluster only once the text is complete: the next delta may extend it.
  if (final) starts.add(text.length);
  else starts.delete(text.length);
  return starts;
}

function splitsSurrogatePair(text: string, p: number): boolean {
  const before = text.charCodeAt(p - 1);
  const after = text.charCodeAt(p);
  return before >= 0xd800 && before <= 0xdbff && after >= 0xdc00 && after <= 0xdfff;
}

/**
 * The best end for the message that starts at `start` (reopening `carried`), given that its text must fit in
 * `limit` characters. Prefers a paragraph break, then a line break, a sentence end, a space; cuts hard only
 * inside one unbroken run. While streaming, `frontier` marks where the text may still change (a cut never goes
 * past it); leave it out when the text is complete. Returns an offset in (start, text.length].
 */
export function findCut(
  text: string,
  start: number,
  carried: Fence | undefined,
  map: FenceMap,
  limit: number,
  frontier?: number,
): number {
  const final = frontier === undefined;
  const reopenLength = carried ? reopenLine(carried).length : 0;
  const room = limit - reopenLength;
  const fits = (p: number) => chunkLength(text, start, p, reopenLength, map) <= limit;
  const known = Math.min(frontier ?? text.length, text.length);
  // A single unfinished character cluster longer than a message: cut it anyway (between code points).
  const maxEnd = Math.min(known > start ? known : text.length, start + room);
  const firstVisible = text.slice(start, maxEnd).search(/\S/);
  // A cut at or before the first visible character would leave a whitespace-only message.
  const minEnd = firstVisible === -1 ? maxEnd : start + firstVisible + 1;

  const best = new Map<BoundaryKind, number>();
  for (let p = maxEnd; p >= minEnd && p > start; p--) {
    const kind = boundaryAt(text, p, start, map, final);
    if (kind === Boundary.none || best.has(kind) || !fits(p) || !cutAllowed(text, p, map)) continue;
    best.set(kind, p);
    if (kind === Boundary.paragraph) break; // nothing later can beat the latest paragraph break
  }
  const fullEnough = start + room * MIN_FILL_RATIO;
  for (const kind of KINDS_BEST_FIRST) {
    const p = best.get(kind);
    if (p !== undefined && p >= fullEnough) return p;
  }
  for (const kind of KINDS_BEST_FIRST) {
    const p = best.get(kind);
    if (p !== undefined) return p;
  }
  return hardCut(text, start, maxEnd, Math.max(start + 1, minEnd), map, fits, final);
}

/** The latest allowed offset inside one unbroken run, on a grapheme boundary when there is one. */
function hardCut(
  text: string,
  start: number,
  maxEnd: number,
  minEnd: number,
  map: FenceMap,
  fits: (p: number) => boolean,
  final: boolean,
): number {
  const graphemes = graphemeStarts(text, start, maxEnd, final);
  const tries: ReadonlyArray<(p: number) => boolean> = [
    (p) => p >= minEnd && graphemes.has(p) && cutAllowed(text, p, map),
    (p) => p >= minEnd && !splitsSurrogatePair(text, p) && cutAllowed(text, p, map),
    (p) => !splitsSurrogatePair(text, p),
  ];
  for (const acceptable of tries) {
    for (let p = maxEnd; p > start; p--) {
      if (fits(p) && acceptable(p)) return p;
    }
  }
  return maxEnd; // only reachable with a limit too small for any text: still make progress
}

/**
 * Split an answer into Discord messages. Every chunk's text fits in `limit` and has balanced fences; the bodies
 * concatenated give back the input, except whitespace-only pieces between messages (Discord rejects those and
 * trims message edges anyway).
 */
export function splitIntoChunks(text: string, limit: number = DISCORD_MESSAGE_LIMIT): Chunk[] {
  assertSplitLimit(limit);
  const chunks: Chunk[] = [];
  let start = 0;
  let carried: Fence | undefined;
  while (start < text.length) {
    // One message never holds more than `limit` characters of the text: scan no further than that.
    const map = scanFences(text, start, carried, start + limit + MAX_FENCE_LINE_LENGTH);
    const whole = text.length - start <= limit ? chunkAt(text, start, text.length, carried, map) : undefined;
    const end = whole && whole.text.length <= limit ? text.length : findCut(text, start, carried, map, limit);
    const chunk = whole && end === text.length ? whole : chunkAt(text, start, end, carried, map);
    if (isVisible(chunk.body)) chunks.push(chunk);
    carried = map.fenceAt(end);
    start = end;
  }
  return chunks;
}

/** The message contents for an answer: see splitIntoChunks. */
export function splitForDiscord(text: string, limit: number = DISCORD_MESSAGE_LIMIT): string[] {
  return splitIntoChunks(text, limit).map((chunk) => chunk.text);
}
