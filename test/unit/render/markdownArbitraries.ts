import fc from 'fast-check';

/**
 * Hostile Discord markdown with its structure recorded while it is built: where each construct that must stay
 * whole lies, where each emphasis/spoiler pair opens and closes, and which lines are quoted. The checks compare a
 * split against this record, not against the splitter's own scanner.
 */
export interface Doc {
  readonly text: string;
  /** [start, end): no cut strictly inside. `span`s are links, code, tags…; `marker`s delimiter runs and line prefixes. */
  readonly atoms: ReadonlyArray<readonly [number, number, 'span' | 'marker']>;
  /** [start, end) of fenced code blocks (their content is no markdown). */
  readonly code: ReadonlyArray<readonly [number, number]>;
  /** Emphasis/spoiler pairs: marker, opener start, content start, closer start. */
  readonly marks: ReadonlyArray<{
    readonly marker: string;
    readonly open: number;
    readonly content: number;
    readonly close: number;
  }>;
  /** Offsets of `>>> ` line starts. */
  readonly blockQuotes: readonly number[];
  /** [lineStart, lineEnd) of `> ` lines. */
  readonly quoteLines: ReadonlyArray<readonly [number, number]>;
}

const EMPTY: Doc = { text: '', atoms: [], code: [], marks: [], blockQuotes: [], quoteLines: [] };

function shift(doc: Doc, by: number): Doc {
  return {
    text: doc.text,
    atoms: doc.atoms.map(([a, b, k]) => [a + by, b + by, k] as const),
    code: doc.code.map(([a, b]) => [a + by, b + by] as const),
    marks: doc.marks.map((m) => ({
      marker: m.marker,
      open: m.open + by,
      content: m.content + by,
      close: m.close + by,
    })),
    blockQuotes: doc.blockQuotes.map((q) => q + by),
    quoteLines: doc.quoteLines.map(([a, b]) => [a + by, b + by] as const),
  };
}

export function concat(...docs: readonly (Doc | string)[]): Doc {
  let out: Doc = EMPTY;
  for (const part of docs) {
    const doc = typeof part === 'string' ? { ...EMPTY, text: part } : part;
    const moved = shift(doc, out.text.length);
    out = {
      text: out.text + doc.text,
      atoms: [...out.atoms, ...moved.atoms],
      code: [...out.code, ...moved.code],
      marks: [...out.marks, ...moved.marks],
      blockQuotes: [...out.blockQuotes, ...moved.blockQuotes],
      quoteLines: [...out.quoteLines, ...moved.quoteLines],
    };
  }
  return out;
}

export function atom(text: string, kind: 'span' | 'marker' = 'span'): Doc {
  return { ...EMPTY, text, atoms: [[0, text.length, kind]] };
}

export function codeBlock(text: string): Doc {
  return { ...EMPTY, text, code: [[0, text.length]] };
}

/** `marker` + inner + `marker`, the marker runs themselves kept whole. */
export function wrap(marker: string, inner: Doc): Doc {
  const doc = concat(atom(marker, 'marker'), inner, atom(marker, 'marker'));
  const close = marker.length + inner.text.length;
  return { ...doc, marks: [{ marker, open: 0, content: marker.length, close }, ...doc.marks] };
}

const snowflake = fc.bigInt({ min: 100_000_000_000_000_000n, max: 1_399_999_999_999_999_999n }).map(String);
const word = fc.stringMatching(/^[A-Za-z]{1,10}$/);
const words = fc.array(word, { minLength: 1, maxLength: 12 }).map((w) => w.join(' '));
const graphemeRun = fc
  .array(fc.constantFrom('🇺🇸', '🇩🇪', '🇯🇵', '👨‍👩‍👧‍👦', 'e\u0301\u0302', '👍🏽', 'க்ஷ'), {
    minLength: 1,
    maxLength: 400,
    size: 'large',
  })
  .map((g) => g.join(''));
const host = fc.constantFrom('example.com', 'discord.com', 'en.wikipedia.org');
const path = fc.stringMatching(/^[a-z0-9_*~|-]{0,60}$/);

/** Links, URLs, inline code, mentions, emoji, timestamps: each must arrive in one piece. */
export const atomArb: fc.Arbitrary<Doc> = fc.oneof(
  fc.tuple(words, host, path).map(([t, h, p]) => atom(`[${t}](https://${h}/${p})`)),
  fc.tuple(words, host, path).map(([t, h, p]) => atom(`[${t}](<https://${h}/wiki/A_(${p})>)`)),
  fc.tuple(host, path).map(([h, p]) => atom(`https://${h}/${p}?q=a*b_c`)),
  fc.tuple(host, path).map(([h, p]) => atom(`<https://${h}/${p}>`)),
  fc.stringMatching(/^[a-z *_|~]{1,80}$/).map((c) => atom(`\`${c.trim() || 'x'}\``)),
  fc.stringMatching(/^[a-z *_`|~]{1,80}$/).map((c) => atom(`\`\` ${c.replace(/`{2,}/g, '`').trim() || 'x'} \`\``)),
  fc.stringMatching(/^[a-z *_|~]{1,60}$/).map((c) => atom(`\`\`\`${c.trim() || 'x'}\`\`\``)),
  snowflake.map((id) => atom(`<@${id}>`)),
  snowflake.map((id) => atom(`<@!${id}>`)),
  snowflake.map((id) => atom(`<@&${id}>`)),
  snowflake.map((id) => atom(`<#${id}>`)),
  fc.tuple(fc.stringMatching(/^\w{2,20}$/), snowflake).map(([n, id]) => atom(`<:${n}:${id}>`)),
  fc.tuple(fc.stringMatching(/^\w{2,20}$/), snowflake).map(([n, id]) => atom(`<a:${n}:${id}>`)),
  fc
    .tuple(fc.integer({ min: 0, max: 2_000_000_000 }), fc.constantFrom('', ':R', ':t', ':F'))
    .map(([t, s]) => atom(`<t:${t}${s}>`)),
);

const MARKERS = ['**', '*', '__', '_', '~~', '||', '***'];

/**
 * `**` right inside `**` would make one run `****`, and `||a ||b|| c||` reads as two spoilers: nobody means
 * those, so a marker never wraps text that already uses its character, and a word separates adjacent runs.
 */
function wrapPadded(marker: string, inner: Doc): Doc {
  const char = marker[0] ?? '';
  if (inner.marks.some((m) => m.marker[0] === char)) return inner;
  const clash = inner.text.startsWith(char) || inner.text.endsWith(char);
  return wrap(marker, clash ? concat('so ', inner, ' it') : inner);
}

/** One line's worth of inline content (no newline), starting and ending with a visible character. */
export const inlineArb: fc.Arbitrary<Doc> = fc.letrec<{ inline: Doc }>((tie) => ({
  inline: fc
    .array(
      fc.oneof(
        { arbitrary: words.map((w) => concat(w)), weight: 5 },
        { arbitrary: atomArb, weight: 3 },
        { arbitrary: graphemeRun.map((g) => concat(g)), weight: 1 },
        {
          arbitrary: fc.tuple(fc.constantFrom(...MARKERS), tie('inline')).map(([m, inner]) => wrapPadded(m, inner)),
          weight: 2,
        },
      ),
      { minLength: 1, maxLength: 8 },
    )
    .map((parts) => concat(...parts.flatMap((p, i) => (i === 0 ? [p] : [' ', p])))),
})).inline;

/** A line prefix: quote, block quote, list item or heading. */
function prefixed(prefix: string, kind: 'quote' | 'block' | 'item', inner: Doc): Doc {
  const doc = concat(prefix, inner);
  // The marker and the first character of the content stay together.
  const withAtom: Doc = { ...doc, atoms: [[0, prefix.length + 1, 'marker'] as const, ...doc.atoms] };
  if (kind === 'quote') return { ...withAtom, quoteLines: [[0, doc.text.length]] };
  if (kind === 'block') return { ...withAtom, blockQuotes: [0] };
  return withAtom;
}

const codeBlockArb = fc
  .tuple(
    fc.constantFrom('', 'ts', 'py'),
    fc.array(fc.stringMatching(/^[a-z *_|~[\]()<>@#:]{0,70}$/), { maxLength: 30 }),
  )
  .map(([lang, lines]) => codeBlock(`\`\`\`${lang}\n${lines.map((l) => `${l}\n`).join('')}\`\`\``));

const lineArb: fc.Arbitrary<Doc> = fc.oneof(
  { arbitrary: inlineArb, weight: 6 },
  { arbitrary: inlineArb.map((d) => prefixed('> ', 'quote', d)), weight: 2 },
  { arbitrary: inlineArb.map((d) => prefixed('- ', 'item', d)), weight: 2 },
  { arbitrary: inlineArb.map((d) => prefixed('1. ', 'item', d)), weight: 1 },
  { arbitrary: inlineArb.map((d) => prefixed('## ', 'item', d)), weight: 1 },
  { arbitrary: inlineArb.map((d) => prefixed('>>> ', 'block', d)), weight: 1 },
  { arbitrary: codeBlockArb, weight: 1 },
);

/** A whole answer: lines joined by line breaks or blank lines. */
export const markdownDocArb: fc.Arbitrary<Doc> = fc
  .array(fc.tuple(lineArb, fc.constantFrom('\n', '\n', '\n\n')), { minLength: 1, maxLength: 30, size: 'large' })
  .map((lines) => concat(...lines.flatMap(([line, sep], i) => (i === lines.length - 1 ? [line] : [line, sep]))));
