import { graphemeBoundaries, splitsSurrogatePair } from '../text/graphemes.js';
import { Boundary, KINDS_BEST_FIRST, boundaryAt, type BoundaryKind } from './cutBoundaries.js';
import { MAX_FENCE_LINE_LENGTH, looksLikeFenceLine } from './fences.js';
import {
  NO_CARRY,
  carryAt,
  chunkAt,
  chunkLength,
  isVisible,
  scanMessage,
  type Chunk,
  type MessageMap,
} from './messageChunk.js';

export {
  NO_CARRY,
  carryAt,
  chunkAt,
  isVisible,
  scanMessage,
  type Carry,
  type Chunk,
  type MessageMap,
} from './messageChunk.js';

/** Discord rejects message content longer than this (create and edit). */
export const DISCORD_MESSAGE_LIMIT = 2000;
/** Below this a reopen line plus a close line could crowd out the text itself. */
export const MIN_SPLIT_LIMIT = 200;
/**
 * A boundary of a better kind is only taken if the message is at least this full; otherwise try a lesser kind.
 * While streaming the text before the cut is already on screen: a fuller message moves less of it to the next one.
 */
const FILL_RATIOS_FINAL: readonly number[] = [0.5];
const FILL_RATIOS_STREAMING: readonly number[] = [0.8];
/** A boundary before what the reader already sees is taken only if it moves at most this share of a message. */
const MAX_MOVED_SHARE = 0.2;

export function assertSplitLimit(limit: number): void {
  if (!Number.isInteger(limit) || limit < MIN_SPLIT_LIMIT) {
    throw new RangeError(`message limit must be an integer of at least ${MIN_SPLIT_LIMIT}, got ${limit}`);
  }
}

/**
 * Where a cut may fall as far as code blocks go: never inside a fence line, never leaving an empty code block,
 * and never mid-line right before something that would read as a fence at the start of the next message.
 */
function fenceAllowsCut(text: string, p: number, map: MessageMap, strict = true): boolean {
  const { fences } = map;
  if (fences.placeAt(p) === 'fence' || fences.isBlockEdge(p)) return false;
  if (text[p - 1] === '\n') return true;
  const lineStart = text.lastIndexOf('\n', p - 1) + 1;
  // "```x``` and more": once a backtick follows the leading run, the piece before the cut is no fence.
  const fenceLike = looksLikeFenceLine(text, lineStart) && !INLINE_AFTER_RUN.test(text.slice(lineStart, p));
  return !(strict && fenceLike) && !looksLikeFenceLine(text, p);
}

const INLINE_AFTER_RUN = /^[ \t]*`{3,}[^`\n]*`/;

/** ...and never inside a link, URL, inline code, mention, emoji, timestamp or delimiter run. */
function cutAllowed(text: string, p: number, map: MessageMap): boolean {
  return fenceAllowsCut(text, p, map) && !map.markdown.isBlocked(p);
}

/** Where the text may still change, and how much of it a reader already sees (see findCut). */
export interface CutOptions {
  /** While streaming: where the text may still change (a cut never goes past it). Omit when the text is complete. */
  frontier?: number;
  /** The end of the text a reader already sees in this message: a cut before it moves that text to the next one. */
  visibleEnd?: number;
}

/**
 * The best end for the message `map` describes, given that its text must fit in `limit` characters. Prefers a
 * paragraph break, then a line break, a sentence end, a space; cuts hard only inside one unbroken run. With
 * `visibleEnd`, the cut goes at or after what the reader sees whenever any allowed place there fits: the best
 * boundary, else a hard cut in the run the view ends in; only when neither exists does visible text move.
 * Returns an offset in (map.start, text.length].
 */
export function findCut(text: string, map: MessageMap, limit: number, options: CutOptions = {}): number {
  const { start } = map;
  const { frontier } = options;
  const final = frontier === undefined;
  const room = limit - map.reopen.length;
  const fits = (p: number) => chunkLength(text, map, p) <= limit;
  const known = Math.min(frontier ?? text.length, text.length);
  // A single unfinished character cluster longer than a message: cut it anyway (between code points).
  const maxEnd = Math.min(known > start ? known : text.length, start + room);
  const firstVisible = text.slice(start, maxEnd).search(/\S/);
  // A cut at or before the first visible character would leave a whitespace-only message.
  const minEnd = firstVisible === -1 ? maxEnd : start + firstVisible + 1;
  const best = bestBoundaries(text, map, maxEnd, minEnd, final, fits);
  // The view may end inside a last cluster that is still growing (past maxEnd): only that cluster may move then.
  const seen = options.visibleEnd;
  const floor = seen !== undefined && seen > start ? Math.min(seen, maxEnd) : undefined;
  const boundary = (from: number) =>
    KINDS_BEST_FIRST.map((kind) => best.get(kind)).find((p) => p !== undefined && p >= from);

  // Short of what the reader sees, a boundary may move a little of the view: never more than MAX_MOVED_SHARE.
  const lowest = floor === undefined ? start : floor - room * MAX_MOVED_SHARE;
  for (const ratio of final ? FILL_RATIOS_FINAL : FILL_RATIOS_STREAMING) {
    const fullEnough = start + room * ratio;
    const p = boundary(Math.max(fullEnough, floor ?? start)) ?? boundary(Math.max(fullEnough, lowest));
    if (p !== undefined) return p;
  }
  if (floor !== undefined) {
    // Nothing visible moves: a boundary after the view (however full the message), else a cut in the run it ends in.
    const p = boundary(floor) ?? hardCut(text, map, maxEnd, Math.max(minEnd, floor), fits, final, true);
    if (p !== undefined) return p;
  }
  // While streaming, an early boundary would move most of a visible message to the next: cut the run instead.
  const p = final ? boundary(start) : undefined;
  return p ?? hardCut(text, map, maxEnd, Math.max(start + 1, minEnd), fits, final, false) ?? maxEnd;
}

/** The latest allowed cut of each boundary kind that fits, down to the latest paragraph break. */
function bestBoundaries(
  text: string,
  map: MessageMap,
  maxEnd: number,
  minEnd: number,
  final: boolean,
  fits: (p: number) => boolean,
): Map<BoundaryKind, number> {
  const best = new Map<BoundaryKind, number>();
  for (let p = maxEnd; p >= minEnd && p > map.start; p--) {
    const kind = boundaryAt(text, p, map.start, map.fences, final);
    if (kind === Boundary.none || best.has(kind) || !cutAllowed(text, p, map) || !fits(p)) continue;
    best.set(kind, p);
    if (kind === Boundary.paragraph) break; // nothing later can beat the latest paragraph break
  }
  return best;
}

/** The latest allowed offset inside one unbroken run, on a grapheme boundary when there is one. */
function hardCut(
  text: string,
  map: MessageMap,
  maxEnd: number,
  minEnd: number,
  fits: (p: number) => boolean,
  final: boolean,
  atOrAfterMin: boolean,
): number | undefined {
  const { start } = map;
  // The message start is a boundary (earlier cuts were): segmenting never needs to look back past it.
  const graphemes = new Set(graphemeBoundaries(text, start, maxEnd, start));
  // The end of the text ends a cluster only once the text is complete: the next delta may extend it.
  if (!final) graphemes.delete(text.length);
  const tries: ReadonlyArray<(p: number) => boolean> = [
    (p) => p >= minEnd && graphemes.has(p) && cutAllowed(text, p, map),
    // A protected span longer than the message: cutting inside it is all that is left.
    (p) => p >= minEnd && graphemes.has(p) && fenceAllowsCut(text, p, map),
    // A line that starts like a fence ("```x``` …") but runs on for more than a message.
    (p) => p >= minEnd && graphemes.has(p) && fenceAllowsCut(text, p, map, false) && !map.markdown.isBlocked(p),
    (p) => p >= minEnd && !splitsSurrogatePair(text, p) && fenceAllowsCut(text, p, map),
    (p) => graphemes.has(p),
    (p) => !splitsSurrogatePair(text, p),
  ];
  // With `atOrAfterMin` only the tries that keep the cut at or after minEnd count.
  for (const acceptable of atOrAfterMin ? tries.slice(0, 4) : tries) {
    for (let p = maxEnd; p > start; p--) {
      if (acceptable(p) && fits(p)) return p;
    }
  }
  return undefined; // only reachable with a limit too small for any text: the caller still makes progress
}

/**
 * Split an answer into Discord messages. Every chunk's text fits in `limit`; code blocks, emphasis, spoilers and
 * quotes a cut falls into are closed and reopened; links, URLs, inline code, mentions, emoji and timestamps stay
 * whole (when they fit in a message). The bodies concatenated give back the input, except whitespace-only pieces
 * between messages (Discord rejects those and trims message edges anyway).
 */
export function splitIntoChunks(text: string, limit: number = DISCORD_MESSAGE_LIMIT): Chunk[] {
  assertSplitLimit(limit);
  const chunks: Chunk[] = [];
  let start = 0;
  let carry = NO_CARRY;
  while (start < text.length) {
    // One message never holds more than `limit` characters of the text: scan no further than that.
    const map = scanMessage(text, start, carry, { limit, final: true, to: start + limit + MAX_FENCE_LINE_LENGTH });
    const whole = text.length - start <= limit ? chunkAt(text, map, text.length) : undefined;
    const end = whole && whole.text.length <= limit ? text.length : findCut(text, map, limit);
    const chunk = whole && end === text.length ? whole : chunkAt(text, map, end);
    if (isVisible(chunk.body)) chunks.push(chunk);
    carry = carryAt(map, end);
    start = end;
  }
  return chunks;
}

/** The message contents for an answer: see splitIntoChunks. */
export function splitForDiscord(text: string, limit: number = DISCORD_MESSAGE_LIMIT): string[] {
  return splitIntoChunks(text, limit).map((chunk) => chunk.text);
}
