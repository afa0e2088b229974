/**
 * The budgets every model call and Discord request passes: the model limiter (RPM/TPM), the bot-wide write budget
 * and, with Redis, the per-user message limit. With REDIS_URL they are shared by every process of the deployment;
 * without it they live in this process, at its share of the deployment's budgets (1/N under N shards).
 */
import type { Config } from '../config/config.js';
import { createRateLimiter, type ModelRateLimiter } from '../llm/limiter.js';
import type { Logger } from '../log.js';
import { DEFAULT_WRITES_PER_SECOND, EditBudget } from '../render/editBudget.js';
import type { WriteBudget } from '../render/writeBudget.js';
import { processShare, shardPlace } from './processShare.js';
import type { UserRateLimit } from './userRateLimit.js';

export interface Budgets {
  limiter: ModelRateLimiter;
  /** Every REST request of the bot: 40/s by default, of Discord's 50 per bot token (the rest absorbs jitter). */
  writeBudget: WriteBudget;
  /** Shared per-user message limit (Redis); undefined = the conversation keeps its own in memory. */
  userLimit: UserRateLimit | undefined;
  close(): Promise<void>;
}

export async function openBudgets(config: Config, logger: Logger): Promise<Budgets> {
  const share = processShare(shardPlace());
  if (config.redisUrl) {
    // ioredis is loaded only when configured (RSS; B6).
    const { openCoordination } = await import('./coordination.js');
    const shared = await openCoordination(config.redisUrl, config, share, logger);
    return {
      limiter: shared.limiter,
      writeBudget: shared.writeBudget(DEFAULT_WRITES_PER_SECOND),
      userLimit: shared.userLimit,
      close: () => shared.close(),
    };
  }
  // config.openai already holds this process's share of RPM and TPM (configForProcess); the write budget takes it here.
  const limiter = createRateLimiter({ rpm: config.openai.rpm, tpm: config.openai.tpm });
  const writeBudget = new EditBudget({ perSecond: Math.max(1, Math.floor(DEFAULT_WRITES_PER_SECOND * share)) });
  return {
    limiter,
    writeBudget,
    userLimit: undefined,
    close: async () => {
      writeBudget.dispose();
      await limiter.stop();
    },
  };
}
