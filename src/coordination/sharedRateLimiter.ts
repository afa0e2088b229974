/**
 * The model limiter of a deployment with REDIS_URL: RPM/TPM held across every process through bottleneck's Redis
 * datastore, and while Redis is unreachable a local limiter at this process's share of the budget (1/N), so the
 * processes together still stay under the account's limits. Calls waiting in the shared limiter when Redis drops
 * move over to the local one; new calls use the shared one again as soon as Redis is back.
 */
import {
  createRateLimiter,
  LimiterAbortedError,
  LimiterStoppedError,
  type AcquireOptions,
  type ModelRateLimiter,
  type Permit,
  type RateLimiterOptions,
} from '../llm/limiter.js';
import { limiterConnection } from './bottleneckConnection.js';
import type { RedisHub } from './redisConnection.js';

export const DEFAULT_LIMITER_ID = 'bot-model-limiter';

export interface SharedRateLimiterOptions extends Omit<RateLimiterOptions, 'cluster'> {
  hub: RedisHub;
  /** This process's fraction of the budget while Redis is down (1 / number of processes). */
  fallbackShare: number;
  /** Key prefix in Redis; every process of one deployment must use the same. */
  id?: string;
}

export function createSharedRateLimiter(options: SharedRateLimiterOptions): ModelRateLimiter {
  const { hub, fallbackShare, id = DEFAULT_LIMITER_ID, ...limits } = options;
  const share = Math.min(1, Math.max(0.001, fallbackShare));
  const { connection, whenUnsubscribed } = limiterConnection(hub);
  // Rebuilt after an outage: a restarted Redis has lost bottleneck's settings, and bottleneck's own re-init on
  // SETTINGS_KEY_NOT_FOUND never fires on Redis 7, which reports it as "ERR SETTINGS_KEY_NOT_FOUND".
  const make = () => createRateLimiter({ ...limits, cluster: { connection, id } });
  let shared = make();
  let stopped = false;
  let rebuilding: Promise<void> | undefined;
  // The old limiter is gone from the connection (its channels too) before its successor subscribes to the same ones.
  const rebuild = (): Promise<void> => {
    rebuilding ??= (async () => {
      await shared.stop();
      await whenUnsubscribed();
      if (!stopped) shared = make();
    })().finally(() => {
      rebuilding = undefined;
    });
    return rebuilding;
  };
  const local = createRateLimiter({ ...limits, rpm: limits.rpm * share, tpm: Math.max(1, limits.tpm * share) });

  let outage = new AbortController();
  if (!hub.isUp()) outage.abort();
  const offChange = hub.onChange((up) => {
    if (!up) outage.abort();
    else if (outage.signal.aborted) {
      outage = new AbortController();
      void rebuild();
    }
  });
  const active = () => (hub.isUp() ? shared : local);

  const acquire = async (tokens: number, acquireOptions: AcquireOptions = {}): Promise<Permit> => {
    const caller = acquireOptions.signal;
    const callerOnly = caller ? { signal: caller } : {};
    for (let attempt = 0; ; attempt++) {
      if (rebuilding) await rebuilding;
      if (stopped) throw new LimiterStoppedError();
      if (!hub.isUp()) return local.acquire(tokens, attempt === 0 ? acquireOptions : callerOnly);
      const limiter = shared;
      const signals = caller ? [outage.signal, caller] : [outage.signal];
      try {
        return await limiter.acquire(tokens, { ...acquireOptions, signal: AbortSignal.any(signals) });
      } catch (error) {
        // Aborted by the outage signal, or failed by bottleneck when its Redis script did.
        const redisFailed = error instanceof LimiterAbortedError || error instanceof LimiterStoppedError;
        if (stopped || caller?.aborted || !redisFailed) throw error;
        // Redis dropped while this call waited: the loop queues it locally, keeping its abort, without a second notice.
        if (!hub.isUp()) continue;
        // A script failed while connected: the keys are gone (flushed, evicted, an empty replica). Wait again on a
        // limiter rebuilt on fresh keys, as the other processes do; the local share would admit on top of them.
        if (limiter === shared) void rebuild();
        if (attempt >= 1) return local.acquire(tokens, callerOnly); // Redis keeps failing: this process's share
      }
    }
  };

  return {
    capacity: { ...shared.capacity },
    weigh: (promptTokens, completionCap) => shared.weigh(promptTokens, completionCap),
    acquire,
    correctTokens: (delta) => active().correctTokens(delta),
    syncWithServer: (snapshot) => active().syncWithServer(snapshot),
    queued: () => shared.queued() + local.queued(),
    available: () => active().available(),
    stop: async () => {
      stopped = true;
      offChange();
      await rebuilding;
      await Promise.all([shared.stop(), local.stop()]);
    },
  };
}
