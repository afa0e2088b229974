import { WRITE_PRIORITIES, type WritePriority, type WriteBudget } from './writeBudget.js';

/**
 * The process-local WriteBudget: every Discord REST request of the bot, per second.
 *
 * Discord's global limit is 50 requests/s; the default leaves headroom for latency jitter. Counting is a
 * sliding window (no 1-second window ever holds more than `perSecond` grants), so a quiet bot answers without
 * delay and a busy one is paced. Waiters are served by priority, first come, first served within one; as each
 * stream has at most one acquire outstanding, that is a round robin across streams: every stream's edit interval
 * stretches by the same amount instead of requests piling up.
 */

export const DEFAULT_WRITES_PER_SECOND = 40;
const WINDOW_MS = 1_000;

export interface EditBudgetOptions {
  /** Grants allowed in any window of one second. */
  perSecond?: number;
  /** Clock in milliseconds; defaults to Date.now (which vitest's fake timers control). */
  now?: () => number;
}

/** Thrown to waiters when the budget is disposed (shutdown). */
export class EditBudgetDisposedError extends Error {
  constructor() {
    super('edit budget disposed');
    this.name = 'EditBudgetDisposedError';
  }
}

interface Waiter {
  resolve: () => void;
  reject: (error: Error) => void;
}

export class EditBudget implements WriteBudget {
  readonly perSecond: number;
  private readonly now: () => number;
  /** Times of the grants still inside the window, oldest first. */
  private readonly grants: number[] = [];
  private readonly queues: Record<WritePriority, Waiter[]> = { urgent: [], stream: [], spare: [] };
  private timer: ReturnType<typeof setTimeout> | undefined;
  private disposed = false;

  constructor(options: EditBudgetOptions = {}) {
    const perSecond = options.perSecond ?? DEFAULT_WRITES_PER_SECOND;
    if (!Number.isInteger(perSecond) || perSecond < 1)
      throw new RangeError(`perSecond must be a positive integer, got ${perSecond}`);
    this.perSecond = perSecond;
    this.now = options.now ?? Date.now;
  }

  /** Callers waiting for a grant. */
  get pending(): number {
    return this.queues.urgent.length + this.queues.stream.length + this.queues.spare.length;
  }

  /**
   * Resolves when the caller may make one request. Rejects with EditBudgetDisposedError after dispose(), and with
   * the signal's reason when it aborts first (the waiter then takes no grant).
   */
  acquire(priority: WritePriority = 'stream', signal?: AbortSignal): Promise<void> {
    if (this.disposed) return Promise.reject(new EditBudgetDisposedError());
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.pending === 0 && this.tryGrant()) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const queue = this.queues[priority];
      const onAbort = (): void => {
        const at = queue.indexOf(waiter);
        if (at !== -1) queue.splice(at, 1);
        reject(signal?.reason);
      };
      const waiter: Waiter = {
        resolve: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
        reject: (error) => {
          signal?.removeEventListener('abort', onAbort);
          reject(error);
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      queue.push(waiter);
      this.schedule();
    });
  }

  /**
   * Take a grant only if one is free right now and nobody is waiting: for cosmetic requests (typing) that should
   * be skipped, not queued, when Discord's global budget is busy.
   */
  tryAcquire(): boolean {
    return !this.disposed && this.pending === 0 && this.tryGrant();
  }

  /** Stop the timer and reject every waiter. */
  dispose(): void {
    this.disposed = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    const error = new EditBudgetDisposedError();
    for (const priority of WRITE_PRIORITIES) for (const waiter of this.queues[priority].splice(0)) waiter.reject(error);
  }

  private tryGrant(): boolean {
    const now = this.now();
    while (this.grants.length > 0 && (this.grants[0] ?? now) <= now - WINDOW_MS) this.grants.shift();
    if (this.grants.length >= this.perSecond) return false;
    this.grants.push(now);
    return true;
  }

  private drain = (): void => {
    this.timer = undefined;
    while (this.pending > 0 && this.tryGrant()) {
      const waiter = this.queues.urgent.shift() ?? this.queues.stream.shift() ?? this.queues.spare.shift();
      waiter?.resolve();
    }
    this.schedule();
  };

  /** Wake up when the oldest grant leaves the window, if anyone is waiting. */
  private schedule(): void {
    if (this.timer !== undefined || this.pending === 0 || this.disposed) return;
    const oldest = this.grants[0] ?? this.now();
    this.timer = setTimeout(this.drain, Math.max(0, oldest + WINDOW_MS - this.now()));
  }
}
