import { LimiterAbortedError, LimiterStoppedError } from './limiterErrors.js';
import type { AcquireOptions, Permit } from './limiterTypes.js';
import type { Reservoirs } from './reservoirs.js';

interface Ticket {
  state: 'waiting' | 'admitted' | 'cancelled';
}

/**
 * The calls waiting for admission, in arrival order. A permit is only an admission ticket: the HTTP call runs
 * outside the limiter, so a slow stream never holds capacity.
 */
export class AcquireQueue {
  private readonly waiting: Ticket[] = [];

  constructor(
    private readonly reservoirs: Reservoirs,
    private readonly noticeDelayMs: number,
  ) {}

  get length(): number {
    return this.waiting.length;
  }

  /** Wait for `weight` tokens and one request (weight already clamped to the capacity). */
  acquire(weight: number, { signal, onQueued }: AcquireOptions = {}): Promise<Permit> {
    if (this.reservoirs.isStopped) return Promise.reject(new LimiterStoppedError());
    if (signal?.aborted) return Promise.reject(new LimiterAbortedError());
    const started = Date.now();
    const ticket: Ticket = { state: 'waiting' };
    this.waiting.push(ticket);
    return new Promise<Permit>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const settle = () => {
        this.remove(ticket);
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
      if (onQueued) timer = this.noticeIfStillWaiting(ticket, onQueued);
      this.reservoirs
        .schedule(weight, () => {
          if (ticket.state === 'cancelled') {
            // Cancelled while queued: nothing was sent, give the capacity back.
            this.reservoirs.refund(weight);
            return;
          }
          ticket.state = 'admitted';
          settle();
          resolve({ tokens: weight, waitedMs: Date.now() - started });
        })
        .catch(() => {
          if (ticket.state !== 'waiting') return;
          ticket.state = 'cancelled';
          settle();
          reject(new LimiterStoppedError());
        });
    });
  }

  private noticeIfStillWaiting(ticket: Ticket, onQueued: NonNullable<AcquireOptions['onQueued']>): NodeJS.Timeout {
    return setTimeout(() => {
      if (ticket.state !== 'waiting') return;
      try {
        onQueued({ position: this.waiting.indexOf(ticket) + 1 });
      } catch {
        // A caller's notice failing must not break admission.
      }
    }, this.noticeDelayMs);
  }

  private remove(ticket: Ticket): void {
    const index = this.waiting.indexOf(ticket);
    if (index >= 0) this.waiting.splice(index, 1);
  }
}
