import type { Tiktoken } from 'js-tiktoken/lite';
import o200k_base from 'js-tiktoken/ranks/o200k_base';
import { buildCountingEncoder } from './leanEncoder.js';

/** gpt-4o family chat format: each message costs its content plus about 3 tokens of framing. */
export const TOKENS_PER_MESSAGE = 3;
/** Every reply is primed with `<|start|>assistant<|message|>`. */
export const TOKENS_PER_REPLY = 3;

/**
 * js-tiktoken's BPE merge is quadratic in the length of one pre-token piece (4,000 identical characters take ~2 s).
 * We cut text into segments no longer than this so a single piece can never be longer; ordinary words are far
 * shorter, so ordinary text counts exactly.
 */
const MAX_RUN_CHARS = 48;
/** Work budget before yielding to the event loop in the async counter. */
const SLICE_MS = 4;

let encoder: Tiktoken | undefined;
const getEncoder = (): Tiktoken => (encoder ??= buildCountingEncoder(o200k_base));

/**
 * Split into segments that are safe to encode separately: cut only before whitespace (o200k attaches a leading
 * space to the following word, so counts are unchanged), and hard-cut any unbroken run longer than MAX_RUN_CHARS.
 */
export function* safeSegments(text: string, segmentChars = 512): Generator<string> {
  let start = 0;
  let runStart = 0;
  let runIsSpace: boolean | undefined;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    const isSpace = code === 32 || code === 10 || code === 9 || code === 13;
    if (isSpace !== runIsSpace) {
      runIsSpace = isSpace;
      runStart = i;
      // A soft cut: before a space that follows a word, once the segment is long enough.
      if (isSpace && i - start >= segmentChars) {
        yield text.slice(start, i);
        start = i;
      }
      continue;
    }
    if (i - runStart >= MAX_RUN_CHARS) {
      // Do not cut a surrogate pair in half.
      const cut = code >= 0xdc00 && code <= 0xdfff ? i - 1 : i;
      if (cut > start) yield text.slice(start, cut);
      start = cut;
      runStart = cut;
    }
  }
  if (start < text.length) yield text.slice(start);
}

/** Tokens in `text`, special-token text counted as plain text; bounded cost on any input. */
export function countTokens(text: string): number {
  if (text.length === 0) return 0;
  const enc = getEncoder();
  let total = 0;
  for (const segment of safeSegments(text)) total += enc.encode(segment, [], []).length;
  return total;
}

/** Same count as `countTokens`, yielding to the event loop every few milliseconds so long text never stalls it. */
export async function countTokensAsync(text: string): Promise<number> {
  if (text.length === 0) return 0;
  const enc = getEncoder();
  let total = 0;
  let sliceStart = performance.now();
  for (const segment of safeSegments(text)) {
    total += enc.encode(segment, [], []).length;
    if (performance.now() - sliceStart > SLICE_MS) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      sliceStart = performance.now();
    }
  }
  return total;
}

export interface CountableMessage {
  /** Text, or content parts of which the text parts are counted (images carry their own counts elsewhere). */
  content: string | ReadonlyArray<{ type: string; text?: string }>;
  /** Precomputed content tokens; counted when missing. */
  tokens?: number;
}

const textOf = (content: CountableMessage['content']): string =>
  typeof content === 'string' ? content : content.map((part) => part.text ?? '').join('');

/** Prompt tokens of a chat request: every message with its framing, plus the reply priming. */
export function countPromptTokens(messages: readonly CountableMessage[]): number {
  let total = TOKENS_PER_REPLY;
  for (const m of messages) total += (m.tokens ?? countTokens(textOf(m.content))) + TOKENS_PER_MESSAGE;
  return total;
}

/** Build the encoder ahead of the first turn (construction takes a noticeable moment). */
export function warmUpTokenizer(): void {
  getEncoder();
}
