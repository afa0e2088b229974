/**
 * The activity index: one record (per shard: storeKeys.activity) listing what the bot last did in each recently
 * active thread. One record, not one per thread, because keyv cannot list keys portably, and a restarted bot must
 * find every thread to catch up.
 */
import type { InflightAnswer, ThreadActivity } from './types.js';

/** Threads kept in the index; the least recently active go first when it is full. */
export const ACTIVITY_MAX_THREADS = 200;
/** Entries older than this are dropped (unless an answer is still in flight). */
export const ACTIVITY_RETENTION_MS = 24 * 60 * 60 * 1000;
/** An answer spans a few messages; more ids than this are not kept (the first ones matter least). */
const MAX_INFLIGHT_IDS = 20;

export interface ActivityIndex {
  threads: Record<string, ThreadActivity>;
}

export const emptyIndex = (): ActivityIndex => ({ threads: {} });

/** The larger of two snowflakes (ids are decimal strings; compare as integers). */
export function laterId(a: string | undefined, b: string | undefined): string | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return BigInt(a) >= BigInt(b) ? a : b;
}

export function withTurnStarted(
  index: ActivityIndex,
  threadId: string,
  messageId: string | undefined,
  at: number,
): ActivityIndex {
  const previous = index.threads[threadId];
  const lastMessageId = laterId(previous?.lastMessageId, messageId);
  const inflight: InflightAnswer = { messageIds: [], startedAt: at };
  const entry: ThreadActivity = { threadId, at: Math.max(at, previous?.at ?? 0), inflight };
  if (lastMessageId !== undefined) entry.lastMessageId = lastMessageId;
  return pruned({ threads: { ...index.threads, [threadId]: entry } }, at);
}

export function withAnswerMessage(
  index: ActivityIndex,
  threadId: string,
  startedAt: number,
  messageId: string,
): ActivityIndex | undefined {
  const entry = index.threads[threadId];
  // The turn's record was already ended or replaced (a later turn): nothing of ours to add to.
  if (!entry?.inflight || entry.inflight.startedAt !== startedAt) return undefined;
  const messageIds = [...entry.inflight.messageIds, messageId].slice(-MAX_INFLIGHT_IDS);
  const inflight: InflightAnswer = { startedAt, messageIds };
  return { threads: { ...index.threads, [threadId]: { ...entry, inflight } } };
}

export function withInflightEnded(
  index: ActivityIndex,
  threadId: string,
  startedAt: number,
): ActivityIndex | undefined {
  const entry = index.threads[threadId];
  if (!entry?.inflight || entry.inflight.startedAt !== startedAt) return undefined;
  const { inflight: _ended, ...rest } = entry;
  return { threads: { ...index.threads, [threadId]: rest } };
}

/** Entries active since `since` or still in flight, most recent first. */
export function recentEntries(index: ActivityIndex, since: number, limit: number): ThreadActivity[] {
  return Object.values(index.threads)
    .filter((entry) => entry.at >= since || entry.inflight !== undefined)
    .sort((a, b) => b.at - a.at)
    .slice(0, Math.max(0, limit));
}

function pruned(index: ActivityIndex, now: number): ActivityIndex {
  const kept = Object.values(index.threads)
    .filter((entry) => entry.inflight !== undefined || entry.at >= now - ACTIVITY_RETENTION_MS)
    .sort((a, b) => b.at - a.at)
    .slice(0, ACTIVITY_MAX_THREADS);
  return { threads: Object.fromEntries(kept.map((entry) => [entry.threadId, entry])) };
}
