/**
 * Discord's bot-wide write budget (50 requests/s per token, across every shard) shared through Redis: one token
 * bucket in a Lua script (atomic, timed by Redis's clock, so machines with skewed clocks agree). Its burst plus one
 * second of refill equals `perSecond`, so no second ever grants more than that; the 10/s left below Discord's 50
 * absorb grants used a little after they were counted (pockets, network jitter). Each process takes
 * grants in small batches into a local pocket, so `tryAcquire` stays synchronous; a pocketed grant expires quickly,
 * so a quiet process cannot hoard budget. While Redis is down the process uses a local bucket at its share (1/N).
 *
 * Implements the WriteBudget interface of src/render/writeBudget.ts (acquire by priority, tryAcquire, dispose).
 */
import type { RedisHub } from './redisConnection.js';
import { WRITE_PRIORITIES, type WriteBudget, type WritePriority } from '../render/writeBudget.js';

const PRIORITIES = WRITE_PRIORITIES;

const TAKE_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local rate, burst, want = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens, at = tonumber(state[1]), tonumber(state[2])
if tokens == nil then tokens, at = burst, now end
tokens = math.min(burst, tokens + math.max(0, now - at) * rate / 1000)
local granted = math.min(want, math.floor(tokens))
tokens = tokens - granted
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], 60000)
local wait = 0
if granted == 0 then wait = math.ceil((1 - tokens) * 1000 / rate) end
return {granted, wait}
`;

/** Most grants one process takes per round trip: small, so the bucket's rate holds across processes. */
const MAX_BATCH = 4;
/** A pocketed grant not used by then is dropped (it was counted against the bucket already: safe side). */
const POCKET_TTL_MS = 200;
const MIN_RETRY_MS = 5;

export interface SharedWriteBudgetOptions {
  hub: RedisHub;
  /** Requests per second for the whole bot (all processes). */
  perSecond: number;
  /** Largest burst, taken from the refill (burst + rate = perSecond); defaults to a tenth of a second's worth. */
  burst?: number;
  /** This process's fraction while Redis is down. */
  fallbackShare: number;
  key?: string;
}

interface Waiter {
  resolve(): void;
  reject(error: Error): void;
}

export class WriteBudgetDisposedError extends Error {
  override name = 'WriteBudgetDisposedError';
  constructor() {
    super('the write budget was disposed');
  }
}

type Grants = { granted: number; waitMs: number };

export class SharedWriteBudget implements WriteBudget {
  private readonly queues = new Map<WritePriority, Waiter[]>(PRIORITIES.map((p) => [p, []]));
  private pocket: number[] = [];
  private pumping = false;
  private disposed = false;
  private readonly burst: number;
  /** Refill per second: what one second may grant beyond the burst. */
  private readonly rate: number;
  private readonly key: string;
  private readonly local: LocalBucket;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: SharedWriteBudgetOptions) {
    this.burst = Math.min(options.perSecond - 1, Math.max(1, Math.floor(options.burst ?? options.perSecond / 10)));
    this.rate = Math.max(1, options.perSecond - this.burst);
    this.key = options.key ?? 'bot:discord-write-budget';
    const share = Math.min(1, Math.max(0.001, options.fallbackShare));
    this.local = new LocalBucket(this.rate * share, Math.max(1, Math.floor(this.burst * share)));
    options.hub.client.defineCommand('botTakeWrites', { numberOfKeys: 1, lua: TAKE_SCRIPT });
  }

  acquire(priority: WritePriority, signal?: AbortSignal): Promise<void> {
    if (this.disposed) return Promise.reject(new WriteBudgetDisposedError());
    if (signal?.aborted) return Promise.reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
    if (this.waiting() === 0 && this.takePocketed()) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const queue = this.queues.get(priority)!;
      const waiter: Waiter = {
        resolve: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
        reject,
      };
      const onAbort = () => {
        const index = queue.indexOf(waiter);
        if (index >= 0) queue.splice(index, 1);
        reject(signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      queue.push(waiter);
      void this.pump();
    });
  }

  tryAcquire(): boolean {
    if (this.disposed || this.waiting() > 0) return false;
    if (this.takePocketed()) return true;
    // Nothing pocketed: fetch one for next time (typing is skipped now rather than queued).
    void this.pump(1);
    return false;
  }

  dispose(): void {
    this.disposed = true;
    if (this.timer) clearTimeout(this.timer);
    for (const queue of this.queues.values())
      for (const waiter of queue.splice(0)) waiter.reject(new WriteBudgetDisposedError());
  }

  private waiting(): number {
    let n = 0;
    for (const queue of this.queues.values()) n += queue.length;
    return n;
  }

  private takePocketed(): boolean {
    const now = Date.now();
    this.pocket = this.pocket.filter((expires) => expires > now);
    return this.pocket.shift() !== undefined;
  }

  private nextWaiter(): Waiter | undefined {
    for (const priority of PRIORITIES) {
      const waiter = this.queues.get(priority)!.shift();
      if (waiter) return waiter;
    }
    return undefined;
  }

  /** Take grants (from Redis, or the local share while it is down) until every waiter is served. */
  private async pump(prefetch = 0): Promise<void> {
    if (this.pumping || this.disposed) return;
    this.pumping = true;
    try {
      while (!this.disposed && (this.waiting() > 0 || prefetch > 0)) {
        const want = Math.min(MAX_BATCH, Math.max(this.waiting(), prefetch));
        prefetch = 0;
        const { granted, waitMs } = await this.take(want);
        const expires = Date.now() + POCKET_TTL_MS;
        for (let i = 0; i < granted; i++) {
          const waiter = this.nextWaiter();
          if (waiter) waiter.resolve();
          else this.pocket.push(expires);
        }
        if (granted === 0) await this.sleep(Math.max(MIN_RETRY_MS, waitMs));
      }
    } finally {
      this.pumping = false;
    }
  }

  private async take(want: number): Promise<Grants> {
    const { hub } = this.options;
    if (!hub.isUp()) return this.local.take(want);
    try {
      const client = hub.client as unknown as { botTakeWrites(...args: unknown[]): Promise<[number, number]> };
      const [granted, waitMs] = await client.botTakeWrites(this.key, this.rate, this.burst, want);
      return { granted, waitMs };
    } catch {
      // Redis dropped mid-call: the hub has logged it; this process falls back to its share.
      return this.local.take(want);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.timer = setTimeout(resolve, ms);
    });
  }
}

/** The per-process share while Redis is down: a plain token bucket. */
class LocalBucket {
  private tokens: number;
  private at = Date.now();

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
  ) {
    this.tokens = burst;
  }

  take(want: number): Grants {
    const now = Date.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.at) * this.perSecond) / 1000);
    this.at = now;
    const granted = Math.min(want, Math.floor(this.tokens));
    this.tokens -= granted;
    const waitMs = granted === 0 ? Math.ceil(((1 - this.tokens) * 1000) / this.perSecond) : 0;
    return { granted, waitMs };
  }
}
