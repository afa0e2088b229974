import type { KeyedQueue } from '../util/keyedQueue.js';
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
});

/**
 * Usage counters that never lose an increment: updates of one counter run one at a time (keyv has no atomic add),
 * a failed write is retried a few times, and what still could not be written stays owed in memory. The next update
 * of that counter (or `flush` at close) carries it, and reads include it, so totals stay exact meanwhile.
 */
export class UsageCounters {
  private readonly owed = new Map<string, UsageTotals>();

  constructor(
    private readonly io: RecordIo,
    private readonly writes: KeyedQueue,
    private readonly retry: UsageRetry = DEFAULT_RETRY,
  ) {}

  /** Add to one counter; rejects with a StoreError once retries are spent (the amount stays owed). */
  add(key: string, delta: UsageTotals): Promise<void> {
    return this.writes.run(key, async () => {
      this.owed.set(key, plus(this.owed.get(key) ?? emptyUsage(), delta));
      await this.persistWithRetry(key);
    });
  }

  async sum(keys: string[]): Promise<UsageTotals> {
    let total = emptyUsage();
    for (const stored of await this.io.getMany<UsageTotals>(keys)) if (stored) total = plus(total, stored);
    for (const key of keys) {
      const owed = this.owed.get(key);
      if (owed) total = plus(total, owed);
    }
    return total;
  }

  /** Counters whose increments are still only in memory. */
  get owedCount(): number {
    return this.owed.size;
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
    const owed = this.owed.get(key);
    if (!owed) return;
    const current = (await this.io.get<UsageTotals>(key)) ?? emptyUsage();
    await this.io.set(key, plus(current, owed));
    this.owed.delete(key);
  }
}

const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
