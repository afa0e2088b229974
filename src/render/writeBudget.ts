/**
 * The bot-wide budget of Discord REST requests, below Discord's global 50 requests/s per bot token. Every request
 * the bot makes takes one grant (src/discord/restBudget.ts gates discord.js's REST layer through it). Kept to this
 * small interface so that a budget shared by several shards (e.g. through Redis) can replace the local one.
 */

/**
 * - `urgent`: what a user is waiting for (thread creation, the first post of an answer, final edits, notices,
 *   continuation messages, command replies);
 * - `stream`: edits of an answer that is still growing;
 * - `spare`: cosmetic requests (typing), best taken with `tryAcquire` so they are skipped, not queued.
 */
export type WritePriority = 'urgent' | 'stream' | 'spare';

export const WRITE_PRIORITIES: readonly WritePriority[] = ['urgent', 'stream', 'spare'];

export interface WriteBudget {
  /** Resolves when the caller may make one request; higher priorities first, first come first served within one. */
  acquire(priority: WritePriority, signal?: AbortSignal): Promise<void>;
  /** Take a grant only if one is free right now and nobody is waiting. */
  tryAcquire(): boolean;
  /** Stop timers and reject every waiter (shutdown). */
  dispose(): void;
}
