import type { FenceMap } from './fences.js';
import { MarkdownMap, type MarkdownCarry, type MarkdownScanOptions, type Pair } from './markdownSpans.js';
import { closingBackticks, isBlankLine, isSpace, paragraphEnd, scanLimit } from './markdownText.js';
import { atomLength, isWordChar, lineMarkers, pendingAtomStart } from './markdownTokens.js';

interface Opener {
  readonly char: string;
  /** Offset of the run's first unit; pairs take units from its end, next to the content. */
  readonly start: number;
  remaining: number;
  readonly carried: boolean;
  readonly seq: number;
}

/** One pass over a message's text regions (code blocks are skipped), building a MarkdownMap. */
class Scanner {
  private readonly blocked: Uint8Array;
  private readonly pairs: Pair[] = [];
  private readonly quoteLines: Array<[number, number]> = [];
  private readonly longAtoms: Array<[number, number]> = [];
  private readonly opaqueUntil: number;
  private readonly stack: Opener[];
  private blockQuoteAt: number | undefined;
  private seq = 0;
  private readonly end: number;
  private readonly codeRegions: Array<readonly [number, number]>;

  constructor(
    private readonly text: string,
    private readonly from: number,
    carry: MarkdownCarry,
    private readonly fences: FenceMap,
    private readonly options: MarkdownScanOptions,
  ) {
    this.end = scanLimit(text, options.to);
    this.blocked = new Uint8Array(this.end - from + 2);
    this.stack = carry.marks.map((marker) => ({
      char: marker[0] ?? '*',
      start: from,
      remaining: marker.length,
      carried: true,
      seq: this.seq++,
    }));
    this.blockQuoteAt = carry.blockQuote ? from - 1 : undefined;
    if (carry.lineQuote) this.quoteLines.push([from - 1, this.lineEnd(from)]);
    this.opaqueUntil = Math.min(carry.opaqueUntil ?? from, text.length);
    this.codeRegions = fences.spans.map((s) => [s.openStart, s.closeEnd ?? text.length] as const);
  }

  /** No cut strictly inside [a, b). */
  private block(a: number, b: number): void {
    for (let p = Math.max(a + 1, this.from); p < b && p <= this.end; p++) this.blocked[p - this.from] = 1;
  }

  private lineEnd(i: number): number {
    const newline = this.text.indexOf('\n', i);
    return newline === -1 ? this.text.length : newline;
  }

  scan(): MarkdownMap {
    let i = Math.max(this.carriedCodeSpan(), this.opaqueUntil);
    if (i > this.from) this.longAtoms.push([this.from - 1, i]);
    while (i < this.end) {
      const code = this.codeRegions.find(([start, stop]) => start <= i && i < stop);
      if (code) {
        this.dropOpeners();
        i = code[1];
        continue;
      }
      if (i === 0 || this.text[i - 1] === '\n') {
        const content = this.lineStart(i);
        if (content !== i) {
          i = content;
          continue;
        }
      }
      i = this.token(i);
    }
    this.finishOpeners();
    const { from, blocked, pairs, blockQuoteAt, quoteLines, fences, longAtoms } = this;
    return new MarkdownMap(from, blocked, pairs, blockQuoteAt, quoteLines, fences, longAtoms);
  }

  /** Markers at a line start; returns where the line's content starts. */
  private lineStart(i: number): number {
    if (isBlankLine(this.text, i)) {
      this.dropOpeners();
      return this.lineEnd(i) + 1;
    }
    const markers = lineMarkers(this.text, i);
    if (markers.blockQuote) this.blockQuoteAt ??= i;
    if (markers.lineQuote) this.quoteLines.push([i, this.lineEnd(i)]);
    // A marker stays with the first word of its line: never end a message on "- " or "> ".
    if (markers.length > 0) this.block(i, i + markers.length + 1);
    return i + markers.length;
  }

  /** Handle the token at i; returns the offset after it. */
  private token(i: number): number {
    const { text } = this;
    const ch = text[i];
    if (ch === '\\' && i + 1 < text.length && text[i + 1] !== '\n') {
      this.block(i, i + 2);
      return i + 2;
    }
    if (ch === '`') return this.codeSpan(i);
    if (ch === '*' || ch === '_' || ch === '~' || ch === '|') return this.delimiterRun(i, ch);
    const atom = atomLength(text, i, text.length);
    if (atom > 0) {
      if (atom <= this.options.maxAtomLength) this.block(i, i + atom);
      else this.longAtoms.push([i, i + atom]);
      return i + atom;
    }
    if (!this.options.final && (ch === '[' || ch === '<') && this.end === text.length) {
      const pending = pendingAtomStart(text, i, this.options.maxAtomLength);
      if (pending === i) {
        this.block(i, text.length + 1);
        return text.length;
      }
    }
    return i + 1;
  }

  private codeSpan(i: number): number {
    const { text } = this;
    let n = 1;
    while (text[i + n] === '`') n++;
    const limit = paragraphEnd(this.text, i, this.end);
    const close = closingBackticks(this.text, i + n, n, limit);
    if (close !== -1) {
      if (close + n - i <= this.options.maxAtomLength) this.block(i, close + n);
      else {
        // Too long to keep whole: a cut inside closes the span and the next message reopens it.
        const opener: Opener = { char: '`', start: i, remaining: n, carried: false, seq: this.seq++ };
        this.block(i, i + n);
        this.addPair(opener, '`'.repeat(n), i + n, close, n);
      }
      return close + n;
    }
    this.block(i, i + n);
    // While streaming, the closer may be on its way: keep the span whole meanwhile (if it stays short).
    if (!this.options.final && limit === text.length && text.length - i <= this.options.maxAtomLength) {
      this.block(i, text.length + 1);
      return text.length;
    }
    return i + n;
  }

  /** A long inline code span carried in from the previous message: its content is code up to its closer. */
  private carriedCodeSpan(): number {
    const top = this.stack[this.stack.length - 1];
    if (!top?.carried || top.char !== '`') return this.from;
    this.stack.pop();
    const close = closingBackticks(this.text, this.from, top.remaining, paragraphEnd(this.text, this.from, this.end));
    this.addPair(top, '`'.repeat(top.remaining), this.from, close === -1 ? Infinity : close, top.remaining);
    return close === -1 ? this.end : close + top.remaining;
  }

  private delimiterRun(i: number, ch: string): number {
    const { text } = this;
    let n = 1;
    while (text[i + n] === ch) n++;
    this.block(i, i + n);
    if ((ch === '~' || ch === '|') && n !== 2) return i + n;
    const prev = text[i - 1];
    const atEnd = i + n >= text.length;
    const next = text[i + n];
    // At the streaming frontier the next character is unknown: the run may yet open something.
    const leftFlanking = atEnd ? !this.options.final : !isSpace(next);
    const rightFlanking = i > this.from && !isSpace(prev);
    const canOpen = leftFlanking && (ch !== '_' || !isWordChar(prev));
    const canClose = rightFlanking && (ch !== '_' || !isWordChar(next));
    let remaining = n;
    if (canClose || ch === '|') remaining = this.close(ch, i, n);
    if (remaining > 0 && (canOpen || ch === '|')) {
      this.stack.push({ char: ch, start: i + n - remaining, remaining, carried: false, seq: this.seq++ });
    }
    return i + n;
  }

  /** Match the run at [i, i+n) against open runs of the same character; returns the units left over. */
  private close(ch: string, i: number, n: number): number {
    let remaining = n;
    while (remaining > 0) {
      const k = this.stack.map((o) => o.char).lastIndexOf(ch);
      if (k < 0) break;
      const opener = this.stack[k] as Opener;
      this.stack.length = k + 1; // openers inside the pair that never closed are plain characters
      const use = ch === '~' || ch === '|' ? 2 : opener.remaining >= 2 && remaining >= 2 ? 2 : 1;
      const openEnd = opener.carried ? this.from : opener.start + opener.remaining;
      const closeStart = i + n - remaining;
      this.addPair(opener, ch.repeat(use), openEnd, closeStart, use);
      opener.remaining -= use;
      remaining -= use;
      if (opener.remaining <= 0) this.stack.pop();
    }
    return remaining;
  }

  private addPair(opener: Opener, marker: string, openEnd: number, closeStart: number, use: number): void {
    const openStart = opener.carried ? this.from : openEnd - use;
    this.pairs.push({ marker, openStart, openEnd, closeStart, carried: opener.carried, seq: opener.seq });
    // Never cut between a marker and the text it wraps (an empty `****` would show as stars).
    if (!opener.carried) this.block(openStart, openEnd + 1);
    this.block(closeStart - 1, closeStart + use);
  }

  /** At a blank line or code block: openers that never closed were plain characters (carried ones stay open). */
  private dropOpeners(): void {
    const kept = this.stack.filter((o) => o.carried);
    this.stack.length = 0;
    this.stack.push(...kept);
  }

  /** At the end of the scan: carried marks close with the message; while streaming, so do fresh openers. */
  private finishOpeners(): void {
    const open = this.options.final || this.end < this.text.length ? this.stack.filter((o) => o.carried) : this.stack;
    for (const opener of open) {
      const unit = opener.char === '~' || opener.char === '|' ? 2 : Math.min(2, opener.remaining);
      let left = opener.remaining;
      while (left > 0) {
        const use = Math.min(unit, left);
        const openEnd = opener.carried ? this.from : opener.start + left;
        this.addPair(opener, opener.char.repeat(use), openEnd, Infinity, use);
        left -= use;
      }
    }
  }
}

/**
 * Scan text from `from` (a message's first offset), where `carry` is what the message reopens. `fences` must be
 * the same message's fence scan; code blocks are skipped.
 */
export function scanMarkdown(
  text: string,
  from: number,
  carry: MarkdownCarry,
  fences: FenceMap,
  options: MarkdownScanOptions,
): MarkdownMap {
  return new Scanner(text, from, carry, fences, options).scan();
}
