/**
 * The fake's model of OpenAI prompt caching: a prompt of at least 1,024 tokens is served from cache up to the
 * longest token prefix it shares with an earlier request, counted in 128-token blocks. Tokens come from the fake's
 * own o200k encoding of each message (role and content), independent of the bot's estimates.
 */
import { Tiktoken } from 'js-tiktoken/lite';
import o200k_base from 'js-tiktoken/ranks/o200k_base';

export const CACHE_MIN_PROMPT_TOKENS = 1024;
export const CACHE_BLOCK_TOKENS = 128;
/** Earlier prompts remembered (OpenAI keeps prefixes for minutes; a test needs only the recent ones). */
const REMEMBERED_PROMPTS = 256;

let encoder: Tiktoken | undefined;
const encode = (text: string): number[] => (encoder ??= new Tiktoken(o200k_base)).encode(text);

export interface CacheMessage {
  role: string;
  text: string;
}

export class PromptCache {
  private readonly seen: number[][] = [];

  /** Cached tokens for this prompt (before remembering it), then remember it. */
  lookup(messages: readonly CacheMessage[], promptTokens: number): number {
    const tokens = messages.flatMap((m) => encode(`<|${m.role}|>${m.text}<|end|>`));
    let longest = 0;
    for (const earlier of this.seen) longest = Math.max(longest, sharedPrefix(tokens, earlier));
    this.seen.push(tokens);
    if (this.seen.length > REMEMBERED_PROMPTS) this.seen.shift();
    if (promptTokens < CACHE_MIN_PROMPT_TOKENS) return 0;
    const blocks = Math.floor(Math.min(longest, tokens.length - 1) / CACHE_BLOCK_TOKENS) * CACHE_BLOCK_TOKENS;
    return Math.min(blocks, promptTokens);
  }

  clear(): void {
    this.seen.length = 0;
  }
}

function sharedPrefix(a: readonly number[], b: readonly number[]): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a[i] === b[i]) i++;
  return i;
}
