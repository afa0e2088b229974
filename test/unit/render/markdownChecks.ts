import type { Chunk } from '../../../src/render/splitMessage.js';
import type { Doc } from './markdownArbitraries.js';

/**
 * Checks of a split against the structure a Doc recorded while it was built (not against the splitter's scanner).
 */

const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

const REOPEN = /^(>>> |> )?((?:`{3,}|~{3,})\S*\n)?([*_~|`]*)$/;
const CLOSE = /^([*_~|`]*?)(\n?(?:`{3,}|~{3,}))?$/;

/**
 * Every grapheme boundary of the text. A line break always ends a cluster, so lines are segmented one by one
 * (V8's segmenter slows down badly on long strings).
 */
function graphemeBoundarySet(text: string): Set<number> {
  const out = new Set<number>([text.length]);
  let lineStart = 0;
  for (const line of text.split('\n')) {
    for (const { index } of segmenter.segment(line)) out.add(lineStart + index);
    lineStart += line.length + 1;
    out.add(lineStart - 1);
  }
  return out;
}

/** Emphasis/spoiler markers open at offset p, outermost first, as one string. */
function openMarks(doc: Doc, p: number): string {
  return doc.marks
    .filter((m) => m.content <= p && p < m.close)
    .sort((a, b) => a.open - b.open)
    .map((m) => m.marker)
    .join('');
}

/**
 * True when the message's emphasis and spoilers pair up, reading delimiter runs the way a renderer does: a run
 * closes what is open on top (same character), what is left of it opens. Links, code and tags are masked first.
 */
export function emphasisBalanced(masked: string): boolean {
  const stack: string[] = [];
  for (const match of masked.matchAll(/\*+|_+|~+|\|+/g)) {
    const char = match[0][0] ?? '';
    let n = match[0].length;
    while (n > 0) {
      const top = stack[stack.length - 1];
      if (!top || top[0] !== char || top.length > n) break;
      stack.pop();
      n -= top.length;
    }
    if (n === 0) continue;
    if (char === '~' || char === '|') {
      if (n % 2 !== 0) return false;
      for (; n > 0; n -= 2) stack.push(char.repeat(2));
    } else if (n === 3) stack.push(char, char.repeat(2));
    else if (n <= 2) stack.push(char.repeat(n));
    else return false;
  }
  return stack.length === 0;
}

/** The body of a chunk with links, code, tags and code blocks replaced by plain letters. */
function maskedBody(doc: Doc, chunk: Chunk): string {
  const out = chunk.body.split('');
  const hide = (a: number, b: number) => {
    for (let p = Math.max(a, chunk.start); p < Math.min(b, chunk.end); p++) out[p - chunk.start] = 'x';
  };
  for (const [a, b, kind] of doc.atoms) if (kind === 'span') hide(a, b);
  for (const [a, b] of doc.code) hide(a, b);
  return out.join('');
}

/** Everything wrong with a split of `doc` into `chunks` at `limit`, as sentences. */
export function markdownProblems(doc: Doc, chunks: readonly Chunk[], limit: number): string[] {
  const { text } = doc;
  const problems: string[] = [];
  const problem = (ok: boolean, what: string) => {
    if (!ok) problems.push(what);
  };
  const boundaries = graphemeBoundarySet(text);
  const cuts = chunks.flatMap((c, i) => [...(i > 0 ? [c.start] : []), ...(i < chunks.length - 1 ? [c.end] : [])]);
  let covered = 0;
  chunks.forEach((chunk, i) => {
    const at = `chunk ${i} [${chunk.start}, ${chunk.end})`;
    problem(chunk.text.length <= limit, `${at}: ${chunk.text.length} > ${limit}`);
    problem(chunk.text === chunk.reopen + chunk.body + chunk.close, `${at}: text is not reopen + body + close`);
    problem(text.slice(chunk.start, chunk.end) === chunk.body, `${at}: body is not the input`);
    problem(text.slice(covered, chunk.start).trim() === '', `${at}: text lost before it`);
    covered = chunk.end;
    const reopen = REOPEN.exec(chunk.reopen);
    const close = CLOSE.exec(chunk.close);
    problem(reopen !== null, `${at}: reopen is not repair markers: ${JSON.stringify(chunk.reopen)}`);
    problem(close !== null, `${at}: close is not repair markers: ${JSON.stringify(chunk.close)}`);
    const expectedOpen = i === 0 ? '' : openMarks(doc, chunk.start);
    problem(
      (reopen?.[3] ?? '') === expectedOpen,
      `${at}: reopens ${JSON.stringify(reopen?.[3])}, open there: ${JSON.stringify(expectedOpen)}`,
    );
    const expectedClose = [...openMarks(doc, chunk.end)].reverse().join('');
    problem(
      (close?.[1] ?? '') === expectedClose,
      `${at}: closes ${JSON.stringify(close?.[1])}, open there: ${JSON.stringify(expectedClose)}`,
    );
    problem(emphasisBalanced(chunk.reopen + maskedBody(doc, chunk) + chunk.close), `${at}: emphasis unbalanced`);
    if (i > 0) {
      const inBlock = doc.blockQuotes.some((q) => q < chunk.start);
      const inLine = doc.quoteLines.some(
        ([a, b]) => a < chunk.start && chunk.start <= b && text[chunk.start - 1] !== '\n',
      );
      const prefix = reopen?.[1] ?? '';
      if (inBlock) problem(prefix === '>>> ' || chunk.body.startsWith('>>> '), `${at}: block quote not restarted`);
      else if (inLine) problem(prefix === '> ', `${at}: quoted line continues unquoted`);
      else problem(prefix === '', `${at}: quote prefix ${JSON.stringify(prefix)} out of nowhere`);
    }
  });
  problem(text.slice(covered).trim() === '', 'text lost at the end');
  for (const cut of cuts) {
    problem(boundaries.has(cut), `cut at ${cut} splits a character`);
    for (const [a, b, kind] of doc.atoms) {
      if (b - a <= Math.floor(limit / 4))
        problem(!(a < cut && cut < b), `cut at ${cut} inside ${kind} ${JSON.stringify(text.slice(a, b))}`);
    }
    for (const m of doc.marks) {
      problem(cut !== m.content && cut !== m.close, `cut at ${cut} leaves an empty ${m.marker} pair`);
    }
  }
  return problems;
}
