/**
 * Catching up after downtime (SPEC): on start, answers left half-written are closed with a note, and human
 * messages that arrived while the bot was down are answered — the newest few per thread, oldest of those first.
 * The missed messages go through the normal message intake, so one that also arrives live is answered once.
 */
import { SnowflakeUtil, type Client, type Message } from 'discord.js';
import type { Logger } from '../log.js';
import type { ActivityStore, ThreadActivity } from '../store/types.js';
import { closeUnfinished } from './closeUnfinished.js';
import type { MessageHandler } from './events/messageCreate.js';

export interface CatchUpSettings {
  /** Messages older than this are not answered (CATCH_UP_MINUTES); 0 answers none (unfinished ones still close). */
  windowMs: number;
  /** Threads looked at, most recently active first. */
  maxThreads?: number;
  /** Missed messages answered per thread, at most (the newest ones). */
  perThread?: number;
}

const DEFAULT_MAX_THREADS = 25;
const DEFAULT_PER_THREAD = 3;
/** Messages fetched per thread (one REST call): the newest ones, of which the missed human ones are kept. */
const FETCH_LIMIT = 50;
/** Threads the bot handled longer ago than this are not looked at, even if a message arrived in the window. */
const LOOKBACK_MS = 24 * 60 * 60 * 1000;

export interface CatchUpReport {
  threads: number;
  closed: number;
  replayed: number;
  failed: number;
}

/** Read before login, so the plan is ready the moment the gateway is (live messages then queue behind it). */
export function loadCatchUpPlan(
  store: ActivityStore,
  settings: CatchUpSettings,
  now = Date.now(),
): Promise<ThreadActivity[]> {
  const since = settings.windowMs > 0 ? now - LOOKBACK_MS : Number.POSITIVE_INFINITY;
  return store.recentActivity(since, settings.maxThreads ?? DEFAULT_MAX_THREADS);
}

/**
 * Run the plan. Call synchronously from the ClientReady listener: each thread's work is queued in the message
 * intake at once, ahead of any live message for that thread.
 */
export async function runCatchUp(
  deps: { client: Client<true>; store: ActivityStore; messages: MessageHandler; logger: Logger },
  plan: ThreadActivity[],
  settings: CatchUpSettings,
  now = Date.now(),
): Promise<CatchUpReport> {
  const report: CatchUpReport = { threads: plan.length, closed: 0, replayed: 0, failed: 0 };
  const work = plan.map((entry) =>
    deps.messages
      .replay(
        entry.threadId,
        async () => {
          const channel = await deps.client.channels.fetch(entry.threadId);
          if (!channel?.isThread()) return [];
          if (entry.inflight) {
            report.closed += await closeUnfinished(channel, deps.client.user.id, entry.inflight.messageIds);
            await deps.store.endInflight(entry.threadId, entry.inflight.startedAt);
          }
          return missedMessages(channel, entry, settings, now);
        },
        settings.perThread ?? DEFAULT_PER_THREAD,
      )
      .then((routed) => {
        report.replayed += routed;
      })
      .catch((error: unknown) => {
        report.failed++;
        deps.logger.warn({ thread: entry.threadId, err: error }, 'catch-up failed for a thread');
      }),
  );
  await Promise.all(work);
  deps.logger.info(report, 'caught up after start');
  return report;
}

type FetchableThread = {
  lastMessageId: string | null;
  messages: { fetch(options: { limit: number }): Promise<{ values(): IterableIterator<Message> }> };
};

/**
 * Messages newer than the last one handled, inside the window, and older than this start (later ones arrive live),
 * oldest first. The intake keeps the newest few not already seen.
 */
async function missedMessages(
  channel: FetchableThread,
  entry: ThreadActivity,
  settings: CatchUpSettings,
  now: number,
): Promise<Message[]> {
  const cutoff = now - settings.windowMs;
  const handled = BigInt(entry.lastMessageId ?? '0');
  // The channel knows its newest message: nothing new since the window opened means nothing to fetch.
  const newest = channel.lastMessageId;
  if (settings.windowMs <= 0 || !newest || SnowflakeUtil.timestampFrom(newest) < cutoff) return [];
  if (BigInt(newest) <= handled) return [];
  const newestFirst = [...(await channel.messages.fetch({ limit: FETCH_LIMIT })).values()];
  return newestFirst
    .filter((m) => !m.author.bot && !m.system && !m.webhookId)
    .filter((m) => BigInt(m.id) > handled && m.createdTimestamp >= cutoff && m.createdTimestamp <= now)
    .sort((a, b) => (BigInt(a.id) > BigInt(b.id) ? 1 : -1));
}
