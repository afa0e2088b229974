/**
 * Checks of what a Discord reader sees, written independently of the renderer's own fence scanner.
 */

const FENCE = /^[ \t]*(`{3,}|~{3,})(.*)$/;

/** True when every code fence opened in the message is closed in it (line-based, as models write them). */
export function fencesBalanced(message: string): boolean {
  let open: { char: string; length: number } | undefined;
  for (const line of message.split('\n')) {
    const match = FENCE.exec(line);
    if (!match) continue;
    const run = match[1] ?? '';
    const rest = match[2] ?? '';
    const char = run[0] ?? '';
    if (!open) {
      if (char === '`' && rest.includes('`')) continue; // inline code, not a fence
      open = { char, length: run.length };
    } else if (char === open.char && run.length >= open.length && rest.trim() === '') {
      open = undefined;
    }
  }
  return open === undefined;
}

const LEADING_FENCE_LINE = /^[ \t]*(`{3,}|~{3,})[^\n]*\n/;
const TRAILING_FENCE_LINE = /\n?[ \t]*(`{3,}|~{3,})$/;

/** The ways a message may be the answer's text with fence repair lines around it, fewest repairs first. */
function bodyCandidates(message: string): string[] {
  const leading = [message];
  const reopened = message.replace(LEADING_FENCE_LINE, '');
  if (reopened !== message) leading.push(reopened);
  const out: string[] = [];
  for (const text of leading) {
    out.push(text);
    const closeOnly = /(`{3,}|~{3,})$/.exec(text);
    if (closeOnly) out.push(text.slice(0, -closeOnly[0].length));
    if (TRAILING_FENCE_LINE.test(text)) out.push(text.replace(TRAILING_FENCE_LINE, ''));
  }
  return out.sort((a, b) => b.length - a.length);
}

/** Offset of `body` in the answer at `pos`, after skipping only whitespace; -1 when it is not there. */
function findAfterWhitespace(answer: string, pos: number, body: string): number {
  for (let k = pos; k <= answer.length; k++) {
    if (answer.startsWith(body, k)) return k;
    if (!/\s/.test(answer[k] ?? '')) return -1;
  }
  return -1;
}

/**
 * Throws unless the messages, with fence repair lines taken off, read the answer in order: nothing lost, nothing
 * duplicated, nothing reordered. Only whitespace between messages may be missing (Discord trims it anyway).
 * With `prefix`, they may read only the start of the answer (a moment while it streams). Returns where they end.
 *
 * A newline next to a repair line may belong to the repair or to the text ("{\n```" then "```\n\n  x"), so the
 * readings are searched with backtracking, longest first; the first one that works wins.
 */
export function assertReassembles(
  messages: readonly string[],
  answer: string,
  options: { prefix?: boolean } = {},
): number {
  const tried = new Set<string>();
  let furthest = { index: 0, pos: 0 };
  const place = (index: number, pos: number): number | undefined => {
    if (index > furthest.index || (index === furthest.index && pos > furthest.pos)) furthest = { index, pos };
    if (index === messages.length) return options.prefix || answer.slice(pos).trim() === '' ? pos : undefined;
    const key = `${index}:${pos}`;
    if (tried.has(key)) return undefined; // this state already failed
    tried.add(key);
    for (const body of bodyCandidates(messages[index] ?? '')) {
      const at = body.length > 0 ? findAfterWhitespace(answer, pos, body) : -1;
      const end = at === -1 ? undefined : place(index + 1, at + body.length);
      if (end !== undefined) return end;
    }
    return undefined;
  };
  const end = place(0, 0);
  if (end !== undefined) return end;
  const { index, pos } = furthest;
  if (index === messages.length) {
    throw new Error(`answer text after offset ${pos} is missing: ${JSON.stringify(answer.slice(pos, pos + 120))}`);
  }
  throw new Error(
    `message ${index} does not continue the answer at offset ${pos}:\n  message: ${JSON.stringify((messages[index] ?? '').slice(0, 120))}\n  answer:  ${JSON.stringify(answer.slice(pos, pos + 120))}`,
  );
}

const CURSOR = ' ▌';

/** What a message reads as without the streaming cursor (which withCursor puts on its own line after a fence). */
export function withoutCursor(content: string): string {
  if (!content.endsWith(CURSOR)) return content;
  const text = content.slice(0, -CURSOR.length);
  return text.endsWith('\n') ? text.slice(0, -1) : text;
}

/**
 * Throws unless, at every moment (each state: the messages' contents then, in order), the thread reads as a prefix
 * of the answer with each character shown once, and what was visible never disappears (the shown prefix only grows).
 */
export function assertEveryStateReadsOnce(
  states: readonly (readonly string[])[],
  answer: string,
  strip: (s: string) => string = (s) => s,
): void {
  let shown = 0;
  states.forEach((state, moment) => {
    const bodies = state.map((content) => strip(withoutCursor(content)));
    let end: number;
    try {
      end = assertReassembles(bodies, answer, { prefix: true });
    } catch (error) {
      throw new Error(`moment ${moment} of ${states.length}: ${(error as Error).message}`);
    }
    if (end < shown) throw new Error(`moment ${moment}: visible text shrank from offset ${shown} to ${end}`);
    shown = end;
  });
}

/** Largest number of requests in any window of `windowMs` (sliding). */
export function maxPerWindow(times: readonly number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  let lo = 0;
  for (let hi = 0; hi < sorted.length; hi++) {
    while ((sorted[hi] ?? 0) - (sorted[lo] ?? 0) >= windowMs) lo++;
    best = Math.max(best, hi - lo + 1);
  }
  return best;
}

/** Half of a surrogate pair on its own: Discord would show a replacement character. */
export function hasLoneSurrogate(text: string): boolean {
  return /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(text);
}
