/**
 * What the status page shows. Counts and guild ids only: no message text, no user names or ids, no secrets —
 * the page may be reachable by anyone who can reach METRICS_HOST.
 */
export interface DayUsage {
  /** UTC day, YYYY-MM-DD. */
  day: string;
  tokens: number;
  costUsd: number;
}

export interface GuildTokens {
  guildId: string;
  tokens: number;
}

export interface StatusSnapshot {
  liveStreams: number;
  limiter: { requestsHeadroom: number; tokensHeadroom: number; queued: number };
  /** Any order, gaps allowed: the server fills in the chart's STATUS_DAYS days (see normaliseStatus). */
  days: DayUsage[];
  busiestGuilds: GuildTokens[];
}

export type StatusSource = () => Promise<StatusSnapshot>;

/** What /status.json sends: the snapshot with exactly STATUS_DAYS days, oldest first, and when it was taken. */
export interface StatusDocument extends StatusSnapshot {
  generatedAt: string;
}

export const STATUS_DAYS = 30;
export const BUSIEST_GUILDS = 10;
const DAY_MS = 86_400_000;

const utcDay = (at: number): string => new Date(at).toISOString().slice(0, 10);
const count = (n: number): number => (Number.isFinite(n) && n > 0 ? n : 0);

/** Fills missing days with zeros, drops days outside the window, keeps the busiest guilds only. */
export function normaliseStatus(snapshot: StatusSnapshot, now: number): StatusDocument {
  const byDay = new Map<string, DayUsage>();
  for (const d of snapshot.days) {
    const prev = byDay.get(d.day);
    byDay.set(d.day, {
      day: d.day,
      tokens: count(d.tokens) + (prev?.tokens ?? 0),
      costUsd: count(d.costUsd) + (prev?.costUsd ?? 0),
    });
  }
  const days: DayUsage[] = [];
  for (let i = STATUS_DAYS - 1; i >= 0; i--) {
    const day = utcDay(now - i * DAY_MS);
    days.push(byDay.get(day) ?? { day, tokens: 0, costUsd: 0 });
  }
  const busiestGuilds = snapshot.busiestGuilds
    .filter((g) => /^\d{1,20}$/.test(g.guildId) && count(g.tokens) > 0)
    .sort((a, b) => b.tokens - a.tokens)
    .slice(0, BUSIEST_GUILDS)
    .map((g) => ({ guildId: g.guildId, tokens: g.tokens }));
  const { requestsHeadroom, tokensHeadroom, queued } = snapshot.limiter;
  return {
    generatedAt: new Date(now).toISOString(),
    liveStreams: count(snapshot.liveStreams),
    limiter: {
      requestsHeadroom: count(requestsHeadroom),
      tokensHeadroom: count(tokensHeadroom),
      queued: count(queued),
    },
    days,
    busiestGuilds,
  };
}
