import type { KeyedQueue } from '../util/keyedQueue.js';
import type { AtomicOps } from './atomicOps.js';
import type { RecordIo } from './records.js';
import { StoreError, toStoreError } from './storeError.js';
import { emptyUsage, type UsageTotals } from './types.js';

export interface UsageRetry {
  /** Write attempts per update (each may already wait out the busy timeout). */
  attempts: number;
  /** Wait before the second attempt; doubles after that. */
  backoffMs: number;
}

const DEFAULT_RETRY: UsageRetry = { attempts: 3, backoffMs: 100 };

const plus = (a: UsageTotals, b: UsageTotals): UsageTotals => ({
  promptTokens: a.promptTokens + b.promptTokens,
  completionTokens: a.completionTokens + b.completionTokens,
  requests: a.requests + b.requests,
  costUsd: a.costUsd + b.costUsd,
  cachedTokens: (a.cachedTokens ?? 0) + (b.cachedTokens ?? 0),
  reasoningTokens: (a.reasoningTokens ?? 0) + (b.reasoningTokens ?? 0),
});

/**
 * Usage counters that never lose an increment. On PostgreSQL and Redis the database adds (atomicOps), so several
 * processes may update one counter; elsewhere updates of one counter run one at a time here (keyv has no atomic add),
 * a failed write is retried a few times, and what still could not be written stays owed in memory. The next update
 * of that counter (or `flush` at close) carries it, and reads include it, so totals stay exact meanwhile.
 */
export class UsageCounters {
  /** Increments not yet written, by counter. */
  private readonly owed = new Map<string, UsageTotals>();
  /** Increments being written right now (taken out of `owed`; put back if the write fails). */
  private readonly writing = new Map<string, UsageTotals>();
  /** The write each counter has queued but not started, which new increments join. */
  private readonly queued = new Map<string, Promise<void>>();

  constructor(
    private readonly io: RecordIo,
    private readonly writes: KeyedQueue,
    private readonly retry: UsageRetry = DEFAULT_RETRY,
  ) {}

  /**
   * Add to one counter; rejects with a StoreError once retries are spent (the amount stays owed). Updates that
   * arrive while a write of the same counter waits join the next write instead of queueing one write each.
   */
  add(key: string, delta: UsageTotals): Promise<void> {
    this.owed.set(key, plus(this.owed.get(key) ?? emptyUsage(), delta));
    const queued = this.queued.get(key);
    if (queued) return queued;
    const write = this.writes.run(key, () => {
      this.queued.delete(key);
      return this.persistWithRetry(key);
    });
    this.queued.set(key, write);
    return write;
  }

  async sum(keys: string[]): Promise<UsageTotals> {
    let total = emptyUsage();
    for (const stored of await this.io.getMany<UsageTotals>(keys)) if (stored) total = plus(total, stored);
    for (const key of keys) {
      for (const pending of [this.owed.get(key), this.writing.get(key)]) if (pending) total = plus(total, pending);
    }
    return total;
  }

  /** Each counter's total (stored plus still owed), for the keys that have any. */
  async totalsOf(keys: string[]): Promise<Map<string, UsageTotals>> {
    const totals = new Map<string, UsageTotals>();
    const stored = await this.io.getMany<UsageTotals>(keys);
    keys.forEach((key, i) => {
      let total = stored[i];
      for (const pending of [this.owed.get(key), this.writing.get(key)]) {
        if (pending) total = plus(total ?? emptyUsage(), pending);
      }
      if (total) totals.set(key, total);
    });
    return totals;
  }

  /** Counters whose increments are still only in memory. */
  get owedCount(): number {
    return new Set([...this.owed.keys(), ...this.writing.keys()]).size;
  }

  /** One more attempt for every owed counter (at close); rejects naming how many could not be written. */
  async flush(): Promise<void> {
    const keys = [...this.owed.keys()];
    const results = await Promise.allSettled(keys.map((key) => this.writes.run(key, () => this.persist(key))));
    const failed = results.filter((r) => r.status === 'rejected').length;
    if (failed > 0) {
      const first = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')?.reason;
      throw new StoreError(`${failed} usage counters could not be written`, toStoreError(first, 'flushing').kind);
    }
  }

  private async persistWithRetry(key: string): Promise<void> {
    let lastError: unknown;
    for (let attempt = 0; attempt < this.retry.attempts; attempt++) {
      if (attempt > 0) await delay(this.retry.backoffMs * 2 ** (attempt - 1));
      try {
        return await this.persist(key);
      } catch (error) {
        lastError = error;
      }
    }
    const cause = toStoreError(lastError, 'writing usage');
    throw new StoreError(
      `usage not written after ${this.retry.attempts} attempts (${cause.kind}); kept for the next update`,
      cause.kind,
      { cause: lastError },
    );
  }

  private async persist(key: string): Promise<void> {
    const batch = this.owed.get(key);
    if (!batch) return;
    this.owed.delete(key);
    this.writing.set(key, batch);
    try {
      if (this.io.atomic) await this.atomicAdd(this.io.atomic, key, batch);
      else {
        const current = (await this.io.get<UsageTotals>(key)) ?? emptyUsage();
        await this.io.set(key, plus(current, batch));
      }
    } catch (error) {
      this.owed.set(key, plus(this.owed.get(key) ?? emptyUsage(), batch));
      throw error;
    } finally {
      this.writing.delete(key);
    }
  }

  private async atomicAdd(atomic: AtomicOps, key: string, batch: UsageTotals): Promise<void> {
    try {
      await atomic.addUsage(key, batch);
    } catch (error) {
      throw toStoreError(error, 'writing usage');
    }
  }
}

const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
