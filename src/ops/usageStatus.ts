import { lastDays, type UsageStore } from '../store/types.js';
import { BUSIEST_GUILDS, STATUS_DAYS, type StatusSnapshot, type StatusSource } from './statusTypes.js';

export interface UsageStatusOptions {
  usage: Pick<UsageStore, 'getGuildUsage'>;
  /** Guilds this process serves (discord.js: client.guilds.cache.keys()). DMs are counted too. */
  guildIds: () => Iterable<string>;
  live: () => Pick<StatusSnapshot, 'liveStreams' | 'limiter'>;
  now?: () => number;
}

/**
 * Past this many guilds the chart sums only the busiest ones: the store keeps usage per guild and day, so the
 * per-day totals cost one read per guild and day. A bot that large wants a global per-day bucket in the store.
 */
export const MAX_CHARTED_GUILDS = 200;

/** Builds the status page's snapshot from the usage records the store keeps per guild and UTC day. */
export function usageStatusSource(options: UsageStatusOptions): StatusSource {
  const now = options.now ?? Date.now;
  return async () => {
    const days = lastDays(now(), STATUS_DAYS);
    const scopes: (string | null)[] = [null, ...options.guildIds()];
    const totals = await Promise.all(
      scopes.map(async (guildId) => {
        const t = await options.usage.getGuildUsage(guildId, days);
        return { guildId, tokens: t.promptTokens + t.completionTokens };
      }),
    );
    const charted = totals
      .filter((t) => t.tokens > 0)
      .sort((a, b) => b.tokens - a.tokens)
      .slice(0, MAX_CHARTED_GUILDS);
    const perDay = await Promise.all(
      days.map(async (day) => {
        const each = await Promise.all(charted.map((g) => options.usage.getGuildUsage(g.guildId, [day])));
        return {
          day,
          tokens: each.reduce((sum, t) => sum + t.promptTokens + t.completionTokens, 0),
          costUsd: each.reduce((sum, t) => sum + t.costUsd, 0),
        };
      }),
    );
    const busiestGuilds = charted
      .filter((g): g is { guildId: string; tokens: number } => g.guildId !== null)
      .slice(0, BUSIEST_GUILDS);
    return { ...options.live(), days: perDay, busiestGuilds };
  };
}
