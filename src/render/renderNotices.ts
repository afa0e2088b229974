/** What the renderer adds to an answer when it did not simply complete. Plain language, never a stack trace. */
import { renderStrings } from '../strings.js';

export const LENGTH_NOTICE = renderStrings.lengthCut;
export const EMPTY_ANSWER_NOTICE = renderStrings.emptyAnswer;
export const UNDELIVERED_NOTICE = renderStrings.undelivered;
export const FALLBACK_NOTICE = renderStrings.fallback;
/** Between the answer and a notice appended to the same message. */
export const NOTICE_SEPARATOR = '\n\n';
/** Notices are short; a longer one is cut so that it always fits in one message with room to spare. */
const MAX_NOTICE_CHARS = 500;

/** Markdown characters that would change how a plain-language notice renders. */
const MARKDOWN_SPECIAL = /[\\*_`~|>#[\]]/g;

/** A plain-language notice in the renderer's notice style: italic, in parentheses. */
export function formatNotice(plain: string): string {
  const text = plain.trim() || FALLBACK_NOTICE;
  const short =
    text.length > MAX_NOTICE_CHARS ? `${Array.from(text.slice(0, MAX_NOTICE_CHARS)).slice(0, -1).join('')}…` : text;
  return `*(${short.replace(MARKDOWN_SPECIAL, '\\$&')})*`;
}
