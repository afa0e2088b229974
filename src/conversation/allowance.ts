/** Who may take a turn now: the per-user message rate (in memory) and the guild's daily token cap (in the store). */
import { lastDays, type UsageStore } from '../store/types.js';
import { notices } from '../strings.js';
import type { UserRateLimit } from '../coordination/userRateLimit.js';
import { SlidingWindowLimit } from './slidingWindowLimit.js';
import { TurnRefused, type Refusal } from './turn.js';

const DAY_MS = 86_400_000;

export class Allowance {
  private readonly userLimit: UserRateLimit;

  constructor(
    private readonly limits: { userMessagesPerMinute: number; guildDailyTokens: number },
    private readonly usage: UsageStore,
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

  /** Throws TurnRefused when the guild has used its daily tokens. Needs a store read, so it runs in the turn. */
  async checkDailyCaps(guildId: string | null, now: number): Promise<void> {
    const cap = this.limits.guildDailyTokens;
    if (cap <= 0 || guildId === null) return;
    const today = await this.usage.getGuildUsage(guildId, lastDays(now, 1));
    if (today.promptTokens + today.completionTokens < cap) return;
    throw new TurnRefused(notices.guildDailyCap(cap, DAY_MS - (now % DAY_MS)));
  }
}
