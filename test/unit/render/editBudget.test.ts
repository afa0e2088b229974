import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { EditBudget, EditBudgetDisposedError } from '../../../src/render/editBudget.js';
import { maxPerWindow } from './readerChecks.js';

const SECOND_MS = 1_000;

describe('EditBudget', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('grants at once while under the limit, then waits for the window to move on', async () => {
    const budget = new EditBudget({ perSecond: 3 });
    const granted: number[] = [];
    const start = Date.now();
    for (let i = 0; i < 7; i++) void budget.acquire().then(() => granted.push(Date.now() - start));
    await vi.advanceTimersByTimeAsync(0);
    expect(granted).toEqual([0, 0, 0]);
    expect(budget.pending).toBe(4);
    await vi.advanceTimersByTimeAsync(SECOND_MS);
    expect(granted).toEqual([0, 0, 0, 1000, 1000, 1000]);
    await vi.advanceTimersByTimeAsync(SECOND_MS);
    expect(granted).toEqual([0, 0, 0, 1000, 1000, 1000, 2000]);
    expect(budget.pending).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
    budget.dispose();
  });

  it('tryAcquire takes a free grant at once but never queues and never jumps ahead of waiters', async () => {
    const budget = new EditBudget({ perSecond: 2 });
    expect(budget.tryAcquire()).toBe(true);
    expect(budget.tryAcquire()).toBe(true);
    // The window is full: a cosmetic request is skipped, not queued.
    expect(budget.tryAcquire()).toBe(false);
    expect(budget.pending).toBe(0);
    let granted = false;
    void budget.acquire().then(() => (granted = true));
    await vi.advanceTimersByTimeAsync(SECOND_MS);
    expect(granted).toBe(true);
    // The waiter got the freed grant; with one left, tryAcquire may take it, then the window is full again.
    expect(budget.tryAcquire()).toBe(true);
    expect(budget.tryAcquire()).toBe(false);
    budget.dispose();
    expect(budget.tryAcquire()).toBe(false);
  });

  it('serves waiters first come, first served, priority ones first', async () => {
    const budget = new EditBudget({ perSecond: 1 });
    await budget.acquire();
    const order: string[] = [];
    for (const name of ['a', 'b', 'c']) void budget.acquire().then(() => order.push(name));
    void budget.acquire('urgent').then(() => order.push('final-1'));
    void budget.acquire('urgent').then(() => order.push('final-2'));
    await vi.advanceTimersByTimeAsync(10 * SECOND_MS);
    expect(order).toEqual(['final-1', 'final-2', 'a', 'b', 'c']);
    budget.dispose();
  });

  it('never grants more than perSecond in any one-second window (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 50 }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 3000 }), fc.boolean()), { minLength: 1, maxLength: 300 }),
        async (perSecond, requests) => {
          const budget = new EditBudget({ perSecond });
          const start = Date.now();
          const grants: number[] = [];
          for (const [at, priority] of requests) {
            setTimeout(
              () => void budget.acquire(priority ? 'urgent' : 'stream').then(() => grants.push(Date.now() - start)),
              at,
            );
          }
          await vi.runAllTimersAsync();
          expect(grants).toHaveLength(requests.length);
          expect(maxPerWindow(grants, SECOND_MS)).toBeLessThanOrEqual(perSecond);
          budget.dispose();
        },
      ),
      { numRuns: 50 },
    );
  });

  it('keeps the limit when the clock is injected', async () => {
    let now = 0;
    const budget = new EditBudget({ perSecond: 2, now: () => now });
    await budget.acquire();
    await budget.acquire();
    let third = false;
    void budget.acquire().then(() => (third = true));
    await vi.advanceTimersByTimeAsync(SECOND_MS); // timers ran, but the injected clock did not move
    expect(third).toBe(false);
    now = SECOND_MS;
    await vi.advanceTimersByTimeAsync(SECOND_MS);
    expect(third).toBe(true);
    budget.dispose();
  });

  it('rejects waiters and later acquires once disposed, leaving no timer behind', async () => {
    const budget = new EditBudget({ perSecond: 1 });
    await budget.acquire();
    const waiting = budget.acquire();
    expect(vi.getTimerCount()).toBe(1);
    budget.dispose();
    await expect(waiting).rejects.toBeInstanceOf(EditBudgetDisposedError);
    await expect(budget.acquire()).rejects.toBeInstanceOf(EditBudgetDisposedError);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('defaults to 40 writes per second and rejects nonsense', () => {
    expect(new EditBudget().perSecond).toBe(40);
    expect(() => new EditBudget({ perSecond: 0 })).toThrow(RangeError);
    expect(() => new EditBudget({ perSecond: 2.5 })).toThrow(RangeError);
  });
});
