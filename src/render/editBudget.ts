/**
 * Process-wide budget of Discord message writes (sends and edits) per second, shared by every stream.
 *
 * Discord's global limit is 50 requests/s; the default leaves headroom for commands and typing. Counting is a
 * sliding window (no 1-second window ever holds more than `perSecond` grants), so a quiet bot answers without
 * delay and a busy one is paced. Waiters are served first come, first served, priority ones (final edits,
 * new-message sends) before the rest; as each stream has at most one acquire outstanding, that is a round robin
 * across streams: every stream's edit interval stretches by the same amount instead of requests piling up.
 */

export const DEFAULT_WRITES_PER_SECOND = 40;
const WINDOW_MS = 1_000;

export interface EditBudgetOptions {
  /** Grants allowed in any window of one second. */
  perSecond?: number;
  /** Clock in milliseconds; defaults to Date.now (which vitest's fake timers control). */
  now?: () => number;
}

export interface AcquireOptions {
  /** Served before every non-priority waiter. */
  priority?: boolean;
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

export class EditBudget {
  readonly perSecond: number;
  private readonly now: () => number;
  /** Times of the grants still inside the window, oldest first. */
  private readonly grants: number[] = [];
  private readonly priorityWaiters: Waiter[] = [];
  private readonly waiters: Waiter[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private disposed = false;

  constructor(options: EditBudgetOptions = {}) {
    const perSecond = options.perSecond ?? DEFAULT_WRITES_PER_SECOND;
    if (!Number.isInteger(perSecond) || perSecond < 1) throw new RangeError(`perSecond must be a positive integer, got ${perSecond}`);
    this.perSecond = perSecond;
    this.now = options.now ?? Date.now;
  }

  /** Callers waiting for a grant. */
  get pending(): number {
    return this.priorityWaiters.length + this.waiters.length;
  }

  /** Resolves when the caller may make one request. Rejects with EditBudgetDisposedError after dispose(). */
  acquire(options: AcquireOptions = {}): Promise<void> {
    if (this.disposed) return Promise.reject(new EditBudgetDisposedError());
    if (this.pending === 0 && this.tryGrant()) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      (options.priority ? this.priorityWaiters : this.waiters).push({ resolve, reject });
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
    for (const waiter of [...this.priorityWaiters.splice(0), ...this.waiters.splice(0)]) waiter.reject(error);
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
      const waiter = this.priorityWaiters.shift() ?? this.waiters.shift();
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
