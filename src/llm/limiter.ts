/**
 * The process-wide model rate limiter: keeps every model call of every thread under the account's
 * requests-per-minute and tokens-per-minute limits.
 *
 * Design
 * - Two bottleneck limiters, one reservoir each: `requests` (capacity = RPM, every job weighs 1) and `tokens`
 *   (capacity = TPM, a job weighs its prompt estimate + its completion cap, which is what OpenAI charges at
 *   admission). A call waits in `tokens` first, then in `requests`; both queues are FIFO, so calls are admitted in
 *   arrival order. We nest rather than `chain()` because chain() forwards the same weight to the second limiter,
 *   and we do not use `minTime` for requests because it spaces calls evenly and throws away the burst OpenAI's
 *   bucket allows (a full minute's worth), adding latency to every call of a burst.
 * - Continuous refill like OpenAI's: `reservoirIncreaseInterval` of 250 ms (bottleneck's granularity) adding
 *   capacity × 250 / window each time, up to `reservoirIncreaseMaximum` = capacity. The heartbeat runs every 50 ms:
 *   with bottleneck's default 250 ms heartbeat a tick landing a millisecond early skips a whole refill, and we
 *   measured refills ~20 % slower than configured.
 * - Safety margin: capacity = limit × (1 − margin), margin 5 % by default (B1: ~94 % of TPM used, 0 upstream 429s). Running at exactly 100 % meets
 *   occasional 429s from latency jitter and from the server's bucket not starting where ours does.
 * - Weights are clamped to the token capacity: bottleneck only looks at the head of its queue, so a job heavier
 *   than the reservoir can ever hold would stall every job behind it forever.
 * - Corrections never call `updateSettings()` (on a limiter with a refill timer that stops the timer for good); they
 *   use `incrementReservoir(n)` with n positive (refund) or negative (charge more), bounded to the capacity.
 *   `syncWithServer` lowers our reservoirs to what `x-ratelimit-remaining-*` says is left (minus the margin) —
 *   only ever lowers: a header is a snapshot taken before calls we admitted since, so raising could over-admit.
 * - Jobs are admission tickets only (no-ops): the HTTP call runs outside the limiter, so a slow stream never holds
 *   capacity; there is no concurrency cap (OpenAI has none).
 * - Shared mode (`cluster`): bottleneck's Redis datastore, so every process draws on one pair of reservoirs. Its Lua
 *   scripts change the reservoir with HINCRBY, which fails on a fractional value, so there the reservoirs count
 *   thousandths (CLUSTER_UNIT) and every refill is a whole number of them. Its heartbeat (which runs the refill and
 *   wakes queued jobs) defaults to 5 s; 250 ms keeps a queued call from waiting out a refill that already happened.
 */
import Bottleneck from 'bottleneck';
import type { RateLimitSnapshot } from './rateLimitHeaders.js';

/** Bottleneck's refill granularity: intervals are multiples of 250 ms. */
export const REFILL_INTERVAL_MS = 250;
const HEARTBEAT_MS = 50;
export const DEFAULT_SAFETY_MARGIN = 0.05;
export const DEFAULT_WINDOW_MS = 60_000;
/** A call not admitted within this time is reported as queued (onQueued). */
export const QUEUE_NOTICE_DELAY_MS = 50;
/** Shared mode: reservoir units per request/token, so refills stay integers (see the header). */
export const CLUSTER_UNIT = 1_000;
const CLUSTER_HEARTBEAT_MS = 250;
/** A no-op job that has not finished by then belonged to a process that died: bottleneck frees its weight. */
const CLUSTER_JOB_EXPIRATION_MS = 10_000;

export interface LimiterCluster {
  /** bottleneck's connection over the process's shared ioredis client. */
  connection: Bottleneck.IORedisConnection;
  /** Key prefix shared by every process of the deployment (the limits are in it, so a change starts fresh). */
  id: string;
}

export interface RateLimiterOptions {
  /** Requests per window (OpenAI: per minute). */
  rpm: number;
  /** Tokens per window. */
  tpm: number;
  /** Fraction of each limit kept free; 0.1 = run at 90 %. */
  safetyMargin?: number;
  /** The window the limits are expressed in; 60,000 ms. Tests shrink it (with the fake server's) to run faster. */
  windowMs?: number;
  queueNoticeDelayMs?: number;
  /** Share the reservoirs through Redis (bottleneck clustering); omitted = in this process only. */
  cluster?: LimiterCluster;
}

export interface QueueInfo {
  /** 1 = next to be admitted. */
  position: number;
}

export interface AcquireOptions {
  signal?: AbortSignal;
  /** Called once if the call has to wait for capacity. */
  onQueued?(info: QueueInfo): void;
}

export interface Permit {
  /** Tokens charged (after clamping). */
  tokens: number;
  waitedMs: number;
}

export interface ModelRateLimiter {
  /** The reservoirs' maxima after the safety margin. */
  readonly capacity: { requests: number; tokens: number };
  /** What a call costs against TPM: prompt estimate + completion cap, clamped to the capacity. */
  weigh(promptTokens: number, completionCap: number): number;
  /** Wait until one request of `tokens` weight may be sent. Rejects if `signal` aborts or the limiter stops. */
  acquire(tokens: number, options?: AcquireOptions): Promise<Permit>;
  /** Adjust the token reservoir: positive gives tokens back, negative charges more. */
  correctTokens(delta: number): Promise<void>;
  /** Lower our reservoirs to the server's `x-ratelimit-remaining-*` (minus the margin). */
  syncWithServer(snapshot: RateLimitSnapshot): Promise<void>;
  /** Calls waiting for capacity right now. */
  queued(): number;
  /** Current reservoirs (may be negative after corrections). */
  available(): Promise<{ requests: number; tokens: number }>;
  /** Drop waiting calls (they reject) and stop the refill timers. */
  stop(): Promise<void>;
}

export class LimiterAbortedError extends Error {
  constructor() {
    super('cancelled while waiting for rate-limit capacity');
    this.name = 'LimiterAbortedError';
  }
}

export class LimiterStoppedError extends Error {
  constructor() {
    super('the rate limiter was stopped');
    this.name = 'LimiterStoppedError';
  }
}

interface Ticket {
  state: 'waiting' | 'admitted' | 'cancelled';
}

type LimiterOptions = Bottleneck.ConstructorOptions & { heartbeatInterval: number; clientTimeout?: number };

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

export function createRateLimiter(options: RateLimiterOptions): ModelRateLimiter {
  const margin = Math.min(0.9, Math.max(0, options.safetyMargin ?? DEFAULT_SAFETY_MARGIN));
  const windowMs = options.windowMs ?? DEFAULT_WINDOW_MS;
  if (!(windowMs >= REFILL_INTERVAL_MS)) throw new Error(`windowMs must be at least ${REFILL_INTERVAL_MS} ms`);
  if (!(options.rpm > 0) || !(options.tpm > 0)) throw new Error('rpm and tpm must be positive');
  const noticeDelayMs = options.queueNoticeDelayMs ?? QUEUE_NOTICE_DELAY_MS;
  const capacity = {
    requests: Math.max(1, options.rpm * (1 - margin)),
    tokens: Math.max(1, Math.floor(options.tpm * (1 - margin))),
  };
  const cluster = options.cluster;
  const requests = reservoirLimiter(capacity.requests, windowMs, cluster && { ...cluster, name: 'requests' });
  const tokens = reservoirLimiter(capacity.tokens, windowMs, cluster && { ...cluster, name: 'tokens' });
  // Everything outside talks in requests and tokens; only the reservoirs count in units (1 locally).
  const unit = cluster ? CLUSTER_UNIT : 1;
  const reservoirOf = async (limiter: Bottleneck) => ((await limiter.currentReservoir()) ?? 0) / unit;
  const increment = (limiter: Bottleneck, n: number) =>
    limiter.incrementReservoir(unit === 1 ? n : Math.round(n * unit));
  const job = (weight: number): Bottleneck.JobOptions =>
    cluster ? { weight: weight * unit, expiration: CLUSTER_JOB_EXPIRATION_MS } : { weight };
  const waiting: Ticket[] = [];
  let stopped = false;
  // Corrections read then increment the reservoir: run them one at a time.
  let corrections: Promise<void> = Promise.resolve();

  const adjust = (limiter: Bottleneck, max: number, delta: number): Promise<void> => {
    if (!Number.isFinite(delta) || delta === 0 || stopped) return corrections;
    corrections = corrections
      .then(async () => {
        const current = await reservoirOf(limiter);
        // Never above the capacity (the refill would not bring it down) nor below −capacity (bounded waits).
        const bounded = delta > 0 ? Math.min(delta, max - current) : Math.max(delta, -max - current);
        if (Math.sign(bounded) === Math.sign(delta)) await increment(limiter, bounded);
      })
      .catch(() => undefined);
    return corrections;
  };

  /**
   * Lower `limiter` to the server's remaining count minus our margin (taken from the limit the server reports, so a
   * configured limit higher than the account's real one cannot push us into a permanent deficit).
   */
  const lowerTo = (limiter: Bottleneck, max: number, remaining: number | undefined, limit: number): Promise<void> => {
    if (remaining === undefined || stopped) return corrections;
    const target = Math.max(-max, remaining - limit * margin);
    corrections = corrections
      .then(async () => {
        const current = await reservoirOf(limiter);
        if (target < current) await increment(limiter, target - current);
      })
      .catch(() => undefined);
    return corrections;
  };

  const remove = (ticket: Ticket) => {
    const index = waiting.indexOf(ticket);
    if (index >= 0) waiting.splice(index, 1);
  };

  return {
    capacity,
    weigh(promptTokens, completionCap) {
      const raw = Math.ceil(Math.max(0, promptTokens) + Math.max(0, completionCap));
      return Math.min(Math.max(1, raw), capacity.tokens);
    },
    acquire(wanted, { signal, onQueued } = {}) {
      if (stopped) return Promise.reject(new LimiterStoppedError());
      if (signal?.aborted) return Promise.reject(new LimiterAbortedError());
      const weight = Math.min(Math.max(1, Math.ceil(wanted)), capacity.tokens);
      const started = Date.now();
      const ticket: Ticket = { state: 'waiting' };
      waiting.push(ticket);
      return new Promise<Permit>((resolve, reject) => {
        let timer: NodeJS.Timeout | undefined;
        const settle = () => {
          remove(ticket);
          if (timer) clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
        };
        const onAbort = () => {
          if (ticket.state !== 'waiting') return;
          ticket.state = 'cancelled';
          settle();
          reject(new LimiterAbortedError());
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        if (onQueued) {
          timer = setTimeout(() => {
            if (ticket.state !== 'waiting') return;
            try {
              onQueued({ position: waiting.indexOf(ticket) + 1 });
            } catch {
              // A caller's notice failing must not break admission.
            }
          }, noticeDelayMs);
        }
        tokens
          .schedule(job(weight), () =>
            requests.schedule(job(1), async () => {
              if (ticket.state === 'cancelled') {
                // Cancelled while queued: nothing was sent, give the capacity back.
                void adjust(tokens, capacity.tokens, weight);
                void adjust(requests, capacity.requests, 1);
                return;
              }
              ticket.state = 'admitted';
              settle();
              resolve({ tokens: weight, waitedMs: Date.now() - started });
            }),
          )
          .catch(() => {
            if (ticket.state !== 'waiting') return;
            ticket.state = 'cancelled';
            settle();
            reject(new LimiterStoppedError());
          });
      });
    },
    correctTokens: (delta) => adjust(tokens, capacity.tokens, delta),
    syncWithServer: async (snapshot) => {
      await Promise.all([
        lowerTo(requests, capacity.requests, snapshot.remainingRequests, snapshot.limitRequests ?? options.rpm),
        lowerTo(tokens, capacity.tokens, snapshot.remainingTokens, snapshot.limitTokens ?? options.tpm),
      ]);
    },
    queued: () => waiting.length,
    available: async () => ({
      requests: await reservoirOf(requests),
      tokens: await reservoirOf(tokens),
    }),
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await corrections;
      await Promise.all(
        [tokens, requests].map(async (limiter) => {
          await limiter.stop({ dropWaitingJobs: true }).catch(() => undefined);
          // With a shared Redis connection bottleneck's disconnect() returns nothing rather than a promise.
          await Promise.resolve(limiter.disconnect()).catch(() => undefined);
        }),
      );
    },
  };
}
