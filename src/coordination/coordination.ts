/**
 * What the processes of one deployment share through REDIS_URL, opened once per process: the model limiter, the
 * per-user message limit and (built on demand, for the Discord REST layer) the bot-wide write budget.
 */
import type { Config } from '../config/config.js';
import type { ModelRateLimiter } from '../llm/limiter.js';
import type { Logger } from '../log.js';
import { connectRedis, whenUp, type RedisHub } from './redisConnection.js';
import { createSharedRateLimiter } from './sharedRateLimiter.js';
import { SharedUserLimit } from './sharedUserLimit.js';
import { SharedWriteBudget } from './sharedWriteBudget.js';

/** At start, wait this long for Redis before running on the fallback share (it keeps reconnecting). */
const FIRST_CONNECT_MS = 3_000;

export interface Coordination {
  hub: RedisHub;
  limiter: ModelRateLimiter;
  userLimit: SharedUserLimit;
  /** The shared Discord write budget at `perSecond` for the whole bot. */
  writeBudget(perSecond: number): SharedWriteBudget;
  close(): Promise<void>;
}

export async function openCoordination(
  redisUrl: string,
  config: Pick<Config, 'openai' | 'userMessagesPerMinute'>,
  share: number,
  logger: Logger,
): Promise<Coordination> {
  const hub = connectRedis(redisUrl, { logger, name: 'REDIS_URL' });
  await whenUp(hub, FIRST_CONNECT_MS);
  const limiter = createSharedRateLimiter({
    hub,
    rpm: config.openai.rpm,
    tpm: config.openai.tpm,
    fallbackShare: share,
  });
  const userLimit = new SharedUserLimit({ hub, perMinute: config.userMessagesPerMinute });
  const budgets: SharedWriteBudget[] = [];
  return {
    hub,
    limiter,
    userLimit,
    writeBudget(perSecond) {
      const budget = new SharedWriteBudget({ hub, perSecond, fallbackShare: share });
      budgets.push(budget);
      return budget;
    },
    async close() {
      for (const budget of budgets) budget.dispose();
      userLimit.close();
      await limiter.stop();
      await hub.close();
    },
  };
}
