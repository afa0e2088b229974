/**
 * Discord markdown constructs a split must keep whole, recognised at one offset of the text. Patterns follow what
 * Discord's client renders, not CommonMark: masked links, bare URLs, and the `<…>` tags for mentions, channels,
 * roles, custom emoji, timestamps and slash commands.
 */

/** `[text](url)` or `[text](<url>)`, one level of brackets in the text and of parentheses in the URL. */
const MASKED_LINK =
  /^\[(?:[^[\]\n]|\[[^[\]\n]*\]){1,512}\]\(\s*<?[a-z][a-z0-9+.-]*:(?:[^\s()<>]|\([^\s()<>]*\))*>?(?:\s+"[^"\n]*")?\s*\)/i;
/** Mentions `<@id>` `<@!id>` `<@&id>` `<#id>`, emoji `<:name:id>` `<a:name:id>`, `<t:123:R>`, `</cmd sub:id>`, `<id:…>`, `<url>`. */
const DISCORD_TAG =
  /^<(?:a?:\w{1,32}:\d{1,22}|@[!&]?\d{1,22}|#\d{1,22}|t:-?\d{1,16}(?::[tTdDfFR])?|\/[^\s<>:/]{1,32}(?: [^\s<>:/]{1,32}){0,2}:\d{1,22}|id:\w{1,32}|[a-z][a-z0-9+.-]*:\/\/[^\s<>]+)>/i;
const BARE_URL = /^(?:https?|discord|steam):\/\/[^\s<]+/i;
/** Punctuation Discord leaves out of an autolink when it ends the URL. */
const URL_TRAILING = /[.,:;!?'"*_~|]+$/;

/** A construct still being typed at the end of streamed text: no cut goes inside it until it is complete. */
const PENDING_TAIL = [
  /\[(?:[^[\]\n]|\[[^[\]\n]*\]){0,512}(?:\]\([^)\s]*)?$/, // masked link
  /<(?:a?:\w{0,32}:?\d{0,22}|@[!&]?\d{0,22}|#\d{0,22}|t:?-?\d{0,16}:?[tTdDfFR]?|\/[^\s<>]{0,80})$/, // tag
];

/** A letter or digit in any script: `_` emphasis does not open or close next to one. */
export function isWordChar(ch: string | undefined): boolean {
  return ch !== undefined && /[\p{L}\p{N}]/u.test(ch);
}

/** A URL without the trailing punctuation (and an unbalanced closing parenthesis) that ends a sentence. */
function trimUrl(url: string): string {
  let out = url.replace(URL_TRAILING, '');
  while (out.endsWith(')') && (out.match(/\(/g)?.length ?? 0) < (out.match(/\)/g)?.length ?? 0)) {
    out = out.slice(0, -1).replace(URL_TRAILING, '');
  }
  return out;
}

/** Length of the construct that starts at i (masked link, tag or bare URL), 0 when none does. */
export function atomLength(text: string, i: number, end: number): number {
  const ch = text[i];
  if (ch !== '[' && ch !== '<' && !/[hdsHDS]/.test(ch ?? '')) return 0;
  const rest = text.slice(i, Math.min(end, i + 4096));
  if (ch === '[') return MASKED_LINK.exec(rest)?.[0].length ?? 0;
  if (ch === '<') return DISCORD_TAG.exec(rest)?.[0].length ?? 0;
  if (isWordChar(text[i - 1])) return 0;
  const url = BARE_URL.exec(rest)?.[0];
  return url === undefined ? 0 : trimUrl(url).length;
}

/** Where a construct still being typed at the end of `text` begins, if one is (streaming only). */
export function pendingAtomStart(text: string, from: number, maxLength: number): number | undefined {
  const tail = text.slice(Math.max(from, text.length - maxLength));
  let start: number | undefined;
  for (const pattern of PENDING_TAIL) {
    const match = pattern.exec(tail);
    if (match && match[0].length > 1) start = Math.min(start ?? Infinity, text.length - match[0].length);
  }
  return start;
}

/** What a line starts with, as far as a split is concerned. */
export interface LineMarkers {
  /** `>>> `: everything from here to the end of the message is quoted. */
  readonly blockQuote: boolean;
  /** `> `: this line is quoted. */
  readonly lineQuote: boolean;
  /** Length of the quote, list and heading markers (with their spaces) before the line's content. */
  readonly length: number;
}

const QUOTE_BLOCK = /^>>> /;
const QUOTE_LINE = /^> /;
/** List items (`- `, `* `, `+ `, `1. `, `1) `) and headings (`# `…`### `, `-# ` subtext), after any indentation. */
const ITEM_OR_HEADING = /^(?:[ \t]*(?:[-*+]|\d{1,9}[.)])[ \t]+|(?:#{1,3}|-#)[ \t]+)/;

export function lineMarkers(text: string, lineStart: number): LineMarkers {
  const line = text.slice(lineStart, lineStart + 128);
  const block = QUOTE_BLOCK.test(line);
  const quote = !block && QUOTE_LINE.test(line);
  const quoteLength = block ? 4 : quote ? 2 : 0;
  const item = ITEM_OR_HEADING.exec(line.slice(quoteLength))?.[0].length ?? 0;
  return { blockQuote: block, lineQuote: quote, length: quoteLength + item };
}
