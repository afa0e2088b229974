/**
 * The model limiter of a deployment with REDIS_URL: RPM/TPM held across every process through bottleneck's Redis
 * datastore, and while Redis is unreachable a local limiter at this process's share of the budget (1/N), so the
 * processes together still stay under the account's limits. Calls waiting in the shared limiter when Redis drops
 * move over to the local one; new calls use the shared one again as soon as Redis is back.
 */
import Bottleneck from 'bottleneck';
import {
  createRateLimiter,
  LimiterAbortedError,
  LimiterStoppedError,
  type AcquireOptions,
  type ModelRateLimiter,
  type Permit,
  type RateLimiterOptions,
} from '../llm/limiter.js';
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
  const connection = new Bottleneck.IORedisConnection({ client: hub.client });
  // Failures surface as rejected scripts (handled below); an unheard 'error' event must not crash the process.
  connection.on('error', () => undefined);
  // bottleneck unsubscribes a removed limiter's channels without awaiting or catching the result: while Redis is down
  // (or the subscriber reconnects) that rejects unhandled. A channel of a dropped limiter needs no unsubscribe then.
  const subscriber = (connection as unknown as { subscriber: { unsubscribe(...channels: string[]): Promise<unknown> } })
    .subscriber;
  const unsubscribe = subscriber.unsubscribe.bind(subscriber);
  subscriber.unsubscribe = (...channels) => unsubscribe(...channels).catch(() => undefined);
  // Rebuilt after an outage: a restarted Redis has lost bottleneck's settings, and bottleneck's own re-init on
  // SETTINGS_KEY_NOT_FOUND never fires on Redis 7, which reports it as "ERR SETTINGS_KEY_NOT_FOUND".
  const make = () => createRateLimiter({ ...limits, cluster: { connection, id } });
  let shared = make();
  const rebuild = () => {
    const old = shared;
    shared = make();
    void old.stop();
  };
  const local = createRateLimiter({ ...limits, rpm: limits.rpm * share, tpm: Math.max(1, limits.tpm * share) });

  let outage = new AbortController();
  if (!hub.isUp()) outage.abort();
  const offChange = hub.onChange((up) => {
    if (!up) outage.abort();
    else if (outage.signal.aborted) {
      outage = new AbortController();
      rebuild();
    }
  });
  let stopped = false;
  const active = () => (hub.isUp() ? shared : local);

  const acquire = async (tokens: number, acquireOptions: AcquireOptions = {}): Promise<Permit> => {
    if (!hub.isUp()) return local.acquire(tokens, acquireOptions);
    const caller = acquireOptions.signal;
    const signals = caller ? [outage.signal, caller] : [outage.signal];
    try {
      return await shared.acquire(tokens, { ...acquireOptions, signal: AbortSignal.any(signals) });
    } catch (error) {
      // Aborted by the outage signal, or failed by bottleneck when its Redis script did: either way Redis is gone.
      const redisFailed = error instanceof LimiterAbortedError || error instanceof LimiterStoppedError;
      if (stopped || caller?.aborted || !redisFailed) throw error;
      if (hub.isUp()) rebuild(); // a script failed while connected: its keys are gone (flushed or evicted)
      // Redis dropped while this call waited: queue it locally, keeping its abort and without a second notice.
      return local.acquire(tokens, { ...(caller ? { signal: caller } : {}) });
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
      await Promise.all([shared.stop(), local.stop()]);
    },
  };
}
