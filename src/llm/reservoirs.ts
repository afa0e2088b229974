import Bottleneck from 'bottleneck';
import type { LimiterCluster } from './limiterTypes.js';
import type { RateLimitSnapshot } from './rateLimitHeaders.js';

/** Bottleneck's refill granularity: intervals are multiples of 250 ms. */
export const REFILL_INTERVAL_MS = 250;
/** With bottleneck's default 250 ms a tick landing a millisecond early skips a whole refill (~20 % slower refills). */
const HEARTBEAT_MS = 50;
/**
 * Shared mode: reservoir units per request/token. bottleneck's Redis scripts change the reservoir with HINCRBY,
 * which fails on a fractional value, so there every refill must be a whole number of units.
 */
export const CLUSTER_UNIT = 1_000;
/** The Redis datastore's heartbeat runs the refill and wakes queued jobs; its 5 s default would strand a waiter. */
const CLUSTER_HEARTBEAT_MS = 250;
/** A no-op job that has not finished by then belonged to a process that died: bottleneck frees its weight. */
const CLUSTER_JOB_EXPIRATION_MS = 10_000;

export interface Capacity {
  requests: number;
  tokens: number;
}

type LimiterOptions = Bottleneck.ConstructorOptions & { heartbeatInterval: number; clientTimeout?: number };

/** Continuous refill like OpenAI's bucket: capacity × 250 / window every 250 ms, up to the capacity. */
function reservoirLimiter(capacity: number, windowMs: number, cluster?: LimiterCluster & { name: string }): Bottleneck {
  const local: LimiterOptions = {
    reservoir: capacity,
    reservoirIncreaseInterval: REFILL_INTERVAL_MS,
    reservoirIncreaseAmount: (capacity * REFILL_INTERVAL_MS) / windowMs,
    reservoirIncreaseMaximum: capacity,
    heartbeatInterval: HEARTBEAT_MS,
  };
  const shared = (c: LimiterCluster & { name: string }): LimiterOptions => {
    const units = Math.floor(capacity * CLUSTER_UNIT);
    return {
      reservoir: units,
      reservoirIncreaseInterval: REFILL_INTERVAL_MS,
      reservoirIncreaseAmount: Math.max(1, Math.floor((units * REFILL_INTERVAL_MS) / windowMs)),
      reservoirIncreaseMaximum: units,
      heartbeatInterval: CLUSTER_HEARTBEAT_MS,
      datastore: 'ioredis',
      connection: c.connection,
      id: `${c.id}:${c.name}:${units}:${windowMs}`,
      clearDatastore: false,
    };
  };
  const limiter = new Bottleneck(cluster ? shared(cluster) : local);
  // Jobs are no-ops; an 'error' event would only come from bottleneck itself. Never let it crash the process.
  limiter.on('error', () => undefined);
  return limiter;
}

/**
 * The two reservoirs (RPM, each job weighs 1; TPM, a job weighs its tokens) and every change made to them.
 * Corrections never call `updateSettings()` (it stops a refill timer for good): they `incrementReservoir(n)`.
 */
export class Reservoirs {
  private readonly requests: Bottleneck;
  private readonly tokens: Bottleneck;
  /** Everything outside talks in requests and tokens; only the reservoirs count in units (1 locally). */
  private readonly unit: number;
  private stopped = false;
  /** Corrections read then increment a reservoir: they run one at a time. */
  private corrections: Promise<void> = Promise.resolve();

  constructor(
    readonly capacity: Capacity,
    windowMs: number,
    private readonly margin: number,
    private readonly cluster?: LimiterCluster,
  ) {
    this.requests = reservoirLimiter(capacity.requests, windowMs, cluster && { ...cluster, name: 'requests' });
    this.tokens = reservoirLimiter(capacity.tokens, windowMs, cluster && { ...cluster, name: 'tokens' });
    this.unit = cluster ? CLUSTER_UNIT : 1;
  }

  get isStopped(): boolean {
    return this.stopped;
  }

  /**
   * Run `admitted` once both reservoirs hold the weight. Both are asked at once, each FIFO (not chain(), which would
   * forward the same weight to both). Each job is admitted the moment it runs: the release bottleneck does after a
   * job (one more Redis round trip when shared) is not waited for, nor could a job that waits inside outlast the
   * cluster job expiration. Should one reservoir fail (the limiter stops meanwhile) what the other granted goes back.
   */
  async schedule(weight: number, admitted: () => void): Promise<void> {
    const [tokens, requests] = await Promise.allSettled([this.run(this.tokens, weight), this.run(this.requests, 1)]);
    if (tokens.status === 'fulfilled' && requests.status === 'fulfilled') return admitted();
    if (tokens.status === 'fulfilled') void this.adjust(this.tokens, this.capacity.tokens, weight);
    if (requests.status === 'fulfilled') void this.adjust(this.requests, this.capacity.requests, 1);
    throw tokens.status === 'rejected' ? tokens.reason : (requests as PromiseRejectedResult).reason;
  }

  /** Resolves when a no-op job of `weight` starts: the reservoir has been charged. */
  private run(limiter: Bottleneck, weight: number): Promise<void> {
    return new Promise((resolve, reject) => {
      limiter.schedule(this.job(weight), async () => resolve()).catch(reject);
    });
  }

  /** Give back what an admission took (it was cancelled before anything was sent). */
  refund(weight: number): void {
    void this.adjust(this.tokens, this.capacity.tokens, weight);
    void this.adjust(this.requests, this.capacity.requests, 1);
  }

  correctTokens(delta: number): Promise<void> {
    return this.adjust(this.tokens, this.capacity.tokens, delta);
  }

  /**
   * Only ever lowers: a header is a snapshot taken before calls we admitted since, so raising could over-admit.
   * `limits` are the configured ones, used when the server does not report its own.
   */
  async syncWithServer(snapshot: RateLimitSnapshot, limits: { rpm: number; tpm: number }): Promise<void> {
    const { remainingRequests, remainingTokens } = snapshot;
    await Promise.all([
      this.lowerTo(this.requests, this.capacity.requests, remainingRequests, snapshot.limitRequests ?? limits.rpm),
      this.lowerTo(this.tokens, this.capacity.tokens, remainingTokens, snapshot.limitTokens ?? limits.tpm),
    ]);
  }

  async available(): Promise<Capacity> {
    return { requests: await this.reservoirOf(this.requests), tokens: await this.reservoirOf(this.tokens) };
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.corrections;
    await Promise.all(
      [this.tokens, this.requests].map(async (limiter) => {
        await limiter.stop({ dropWaitingJobs: true }).catch(() => undefined);
        // With a shared Redis connection bottleneck's disconnect() returns nothing rather than a promise.
        await Promise.resolve(limiter.disconnect()).catch(() => undefined);
      }),
    );
  }

  private job(weight: number): Bottleneck.JobOptions {
    return this.cluster ? { weight: weight * this.unit, expiration: CLUSTER_JOB_EXPIRATION_MS } : { weight };
  }

  private async reservoirOf(limiter: Bottleneck): Promise<number> {
    return ((await limiter.currentReservoir()) ?? 0) / this.unit;
  }

  private increment(limiter: Bottleneck, n: number): Promise<number> {
    return limiter.incrementReservoir(this.unit === 1 ? n : Math.round(n * this.unit));
  }

  private adjust(limiter: Bottleneck, max: number, delta: number): Promise<void> {
    if (!Number.isFinite(delta) || delta === 0 || this.stopped) return this.corrections;
    this.corrections = this.corrections
      .then(async () => {
        const current = await this.reservoirOf(limiter);
        // Never above the capacity (the refill would not bring it down) nor below −capacity (bounded waits).
        const bounded = delta > 0 ? Math.min(delta, max - current) : Math.max(delta, -max - current);
        if (Math.sign(bounded) === Math.sign(delta)) await this.increment(limiter, bounded);
      })
      .catch(() => undefined);
    return this.corrections;
  }

  /**
   * Lower `limiter` to the server's remaining count minus our margin (taken from the limit the server reports, so a
   * configured limit higher than the account's real one cannot push us into a permanent deficit).
   */
  private lowerTo(limiter: Bottleneck, max: number, remaining: number | undefined, limit: number): Promise<void> {
    if (remaining === undefined || this.stopped) return this.corrections;
    const target = Math.max(-max, remaining - limit * this.margin);
    this.corrections = this.corrections
      .then(async () => {
        const current = await this.reservoirOf(limiter);
        if (target < current) await this.increment(limiter, target - current);
      })
      .catch(() => undefined);
    return this.corrections;
  }
}
