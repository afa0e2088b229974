/**
 * Who may take a turn now: the per-user message rate (in memory), and the daily token caps (in the store): the
 * server's (its `/settings daily-tokens`, under the operator's GUILD_DAILY_TOKENS), each member's, and in DMs each
 * person's (GUILD_DAILY_TOKENS).
 */
import { lastDays, totalTokens, type GuildSettings, type UsageStore } from '../store/types.js';
import { notices, settingsStrings } from '../strings.js';
import { capReached, effectiveGuildCap, effectiveMemberCap, msUntilUtcMidnight } from './dailyCaps.js';
import type { UserRateLimit } from '../coordination/userRateLimit.js';
import { SlidingWindowLimit } from './slidingWindowLimit.js';
import { TurnRefused, type Refusal, type TurnRequest } from './turn.js';

export class Allowance {
  private readonly userLimit: UserRateLimit;

  constructor(
    private readonly limits: { userMessagesPerMinute: number; guildDailyTokens: number },
    private readonly usage: Pick<UsageStore, 'getGuildUsage' | 'getUserUsage'>,
    /** Shared through Redis when REDIS_URL is set (coordination/sharedUserLimit.ts); in this process otherwise. */
    userLimit?: UserRateLimit,
  ) {
    this.userLimit = userLimit ?? new SlidingWindowLimit(limits.userMessagesPerMinute);
  }

  /** Takes the user's rate slot when there is one. Synchronous: admission keeps arrival order. */
  takeUserSlot(userId: string, now: number): Refusal | undefined {
    const slot = this.userLimit.take(userId, now);
    if (slot.ok) return undefined;
    return { notice: notices.userRateLimited(this.limits.userMessagesPerMinute, slot.retryAfterMs) };
  }

  /**
   * Throws TurnRefused when the server or this member has used today's tokens. Needs store reads, so it runs in
   * the turn, before any model call.
   */
  async checkDailyCaps(
    request: Pick<TurnRequest, 'guildId' | 'userId'>,
    settings: GuildSettings,
    now: number,
  ): Promise<void> {
    const { guildId, userId } = request;
    if (guildId === null) return this.checkDmCap(userId, now);
    const guildCap = effectiveGuildCap(this.limits.guildDailyTokens, settings.dailyTokens);
    const memberCap = effectiveMemberCap(this.limits.guildDailyTokens, settings.userDailyTokens);
    if (guildCap <= 0 && memberCap <= 0) return;
    const today = lastDays(now, 1);
    const [guildUsed, memberUsed] = await Promise.all([
      guildCap > 0 ? this.usage.getGuildUsage(guildId, today).then(totalTokens) : 0,
      memberCap > 0 ? this.usage.getUserUsage(userId, guildId, today).then(totalTokens) : 0,
    ]);
    const resetInMs = msUntilUtcMidnight(now);
    if (capReached({ cap: guildCap, used: guildUsed }))
      throw new TurnRefused(notices.guildDailyCap(guildCap, resetInMs));
    if (capReached({ cap: memberCap, used: memberUsed })) {
      throw new TurnRefused(settingsStrings.memberDailyCap(memberCap, resetInMs));
    }
  }

  /** A person's DMs are a server of one: the operator's GUILD_DAILY_TOKENS caps each user's DM tokens per day. */
  private async checkDmCap(userId: string, now: number): Promise<void> {
    const cap = this.limits.guildDailyTokens;
    if (cap <= 0) return;
    const used = totalTokens(await this.usage.getUserUsage(userId, null, lastDays(now, 1)));
    if (capReached({ cap, used })) throw new TurnRefused(notices.dmDailyCap(cap, msUntilUtcMidnight(now)));
  }
}
