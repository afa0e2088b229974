/**
 * The process-wide model rate limiter: every model call of every thread stays under the account's requests- and
 * tokens-per-minute, with a safety margin (5 % by default; B1: ~94 % of TPM used, no upstream 429s). Calls are
 * admitted in arrival order (acquireQueue.ts); the two bottleneck reservoirs and their corrections are in
 * reservoirs.ts. No concurrency cap: OpenAI has none.
 */
import { AcquireQueue } from './acquireQueue.js';
import type { ModelRateLimiter, RateLimiterOptions } from './limiterTypes.js';
import { REFILL_INTERVAL_MS, Reservoirs } from './reservoirs.js';

export { LimiterAbortedError, LimiterStoppedError } from './limiterErrors.js';
export type {
  AcquireOptions,
  LimiterCluster,
  ModelRateLimiter,
  Permit,
  QueueInfo,
  RateLimiterOptions,
} from './limiterTypes.js';
export { CLUSTER_UNIT, REFILL_INTERVAL_MS } from './reservoirs.js';

export const DEFAULT_SAFETY_MARGIN = 0.05;
export const DEFAULT_WINDOW_MS = 60_000;
/** A call not admitted within this time is reported as queued (onQueued). */
export const QUEUE_NOTICE_DELAY_MS = 50;

export function createRateLimiter(options: RateLimiterOptions): ModelRateLimiter {
  const margin = Math.min(0.9, Math.max(0, options.safetyMargin ?? DEFAULT_SAFETY_MARGIN));
  const windowMs = options.windowMs ?? DEFAULT_WINDOW_MS;
  if (!(windowMs >= REFILL_INTERVAL_MS)) throw new Error(`windowMs must be at least ${REFILL_INTERVAL_MS} ms`);
  if (!(options.rpm > 0) || !(options.tpm > 0)) throw new Error('rpm and tpm must be positive');
  const capacity = {
    requests: Math.max(1, options.rpm * (1 - margin)),
    tokens: Math.max(1, Math.floor(options.tpm * (1 - margin))),
  };
  const reservoirs = new Reservoirs(capacity, windowMs, margin, options.cluster);
  const queue = new AcquireQueue(reservoirs, options.queueNoticeDelayMs ?? QUEUE_NOTICE_DELAY_MS);
  // A job heavier than the reservoir can ever hold would stall every job behind it (bottleneck looks at its head).
  const clamp = (tokens: number) => Math.min(Math.max(1, tokens), capacity.tokens);

  return {
    capacity,
    weigh: (promptTokens, completionCap) => clamp(Math.ceil(Math.max(0, promptTokens) + Math.max(0, completionCap))),
    acquire: (wanted, acquireOptions) => queue.acquire(clamp(Math.ceil(wanted)), acquireOptions),
    correctTokens: (delta) => reservoirs.correctTokens(delta),
    syncWithServer: (snapshot) => reservoirs.syncWithServer(snapshot, options),
    queued: () => queue.length,
    available: () => reservoirs.available(),
    stop: () => reservoirs.stop(),
  };
}
