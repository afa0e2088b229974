import type { FenceMap } from './fences.js';

/** Kinds of place a message may end, best last. */
export const Boundary = { none: 0, space: 1, sentence: 2, line: 3, paragraph: 4 } as const;
export type BoundaryKind = (typeof Boundary)[keyof typeof Boundary];
export const KINDS_BEST_FIRST: readonly BoundaryKind[] = [
  Boundary.paragraph,
  Boundary.line,
  Boundary.sentence,
  Boundary.space,
];

const SENTENCE_END = /[.!?…]/;
/** Closing marks that may sit between a sentence end and the following space: `"Done."`, `**Done.**`, `(Done.)`. */
const SENTENCE_CLOSERS = /[)\]"'’”»*_`|~]/;
const MAX_SENTENCE_CLOSERS = 3;
/** CJK text has no spaces: its full stops and commas are the boundaries. */
const CJK_SENTENCE_END = /[。！？]/;
const CJK_PAUSE = /[，、；：]/;
const WHITESPACE = /\s/;

function endsSentence(text: string, spaceRunStart: number, floor: number): boolean {
  let i = spaceRunStart - 1;
  for (let skipped = 0; i > floor && skipped < MAX_SENTENCE_CLOSERS && SENTENCE_CLOSERS.test(text[i] ?? ''); skipped++)
    i--;
  return SENTENCE_END.test(text[i] ?? '');
}

/**
 * The kind of boundary a cut at p would be. Cuts go after whitespace (it stays at the end of the earlier message,
 * where Discord trims it) and never into the indentation of a code line.
 */
export function boundaryAt(text: string, p: number, start: number, map: FenceMap, final: boolean): BoundaryKind {
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
