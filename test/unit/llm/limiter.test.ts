import { afterEach, describe, expect, it } from 'vitest';
import {
  createRateLimiter,
  LimiterAbortedError,
  DEFAULT_SAFETY_MARGIN,
  LimiterStoppedError,
  type ModelRateLimiter,
  type RateLimiterOptions,
} from '../../../src/llm/limiter.js';

const limiters: ModelRateLimiter[] = [];
/** Tests pin a 10 % margin so their numbers do not depend on the default. */
const make = (options: RateLimiterOptions) => {
  const limiter = createRateLimiter({ safetyMargin: 0.1, ...options });
  limiters.push(limiter);
  return limiter;
};
const settled = async (promise: Promise<unknown>, ms: number): Promise<boolean> =>
  Promise.race([
    promise.then(
      () => true,
      () => true,
    ),
    new Promise<boolean>((r) => setTimeout(() => r(false), ms)),
  ]);

afterEach(async () => {
  for (const limiter of limiters.splice(0)) await limiter.stop();
});

describe('createRateLimiter', () => {
  it('keeps a safety margin below both limits (5 % by default)', () => {
    expect(make({ rpm: 500, tpm: 200_000, safetyMargin: DEFAULT_SAFETY_MARGIN }).capacity).toEqual({
      requests: 475,
      tokens: 190_000,
    });
    expect(make({ rpm: 500, tpm: 200_000 }).capacity).toEqual({ requests: 450, tokens: 180_000 });
    expect(make({ rpm: 500, tpm: 200_000, safetyMargin: 0 }).capacity).toEqual({ requests: 500, tokens: 200_000 });
    // Never below one request: a capacity under 1 could never admit anything.
    expect(make({ rpm: 1, tpm: 1000 }).capacity.requests).toBe(1);
  });

  it('refuses nonsensical settings', () => {
    expect(() => createRateLimiter({ rpm: 1, tpm: 1, windowMs: 100 })).toThrow(/at least 250/);
    expect(() => createRateLimiter({ rpm: 0, tpm: 1 })).toThrow(/positive/);
  });

  it('weighs a call as prompt + completion cap, clamped to the token capacity', () => {
    const limiter = make({ rpm: 100, tpm: 10_000 });
    expect(limiter.weigh(100, 400)).toBe(500);
    expect(limiter.weigh(0, 0)).toBe(1);
    expect(limiter.weigh(50_000, 4096)).toBe(9000);
  });

  it('admits at once while there is capacity and charges both reservoirs', async () => {
    const limiter = make({ rpm: 10, tpm: 1000, safetyMargin: 0 });
    const permit = await limiter.acquire(300);
    expect(permit.tokens).toBe(300);
    const available = await limiter.available();
    expect(available.requests).toBeCloseTo(9, 0);
    expect(available.tokens).toBeGreaterThanOrEqual(700);
    expect(available.tokens).toBeLessThan(720);
  });

  it('queues calls beyond the capacity, reports their position, and admits them as capacity refills', async () => {
    const limiter = make({ rpm: 2, tpm: 100_000, safetyMargin: 0, windowMs: 1000 });
    const notices: number[][] = [[], [], [], []];
    const calls = [0, 1, 2, 3].map((i) =>
      limiter.acquire(10, { onQueued: ({ position }) => notices[i]?.push(position) }),
    );
    await new Promise((r) => setTimeout(r, 100));
    expect(limiter.queued()).toBe(2);
    expect(notices).toEqual([[], [], [1], [2]]);
    await Promise.all(calls);
    expect(limiter.queued()).toBe(0);
  });

  it('never lets one oversized call stall the queue (weights are clamped)', async () => {
    const limiter = make({ rpm: 100, tpm: 1000, safetyMargin: 0, windowMs: 1000 });
    const big = limiter.acquire(1_000_000);
    const small = limiter.acquire(10);
    expect((await big).tokens).toBe(1000);
    expect(await settled(small, 2000)).toBe(true);
  });

  it('rejects a waiting call at once when its signal aborts, and gives its capacity back later', async () => {
    const limiter = make({ rpm: 1, tpm: 100_000, safetyMargin: 0, windowMs: 1000 });
    await limiter.acquire(10);
    const controller = new AbortController();
    const waiting = limiter.acquire(10, { signal: controller.signal });
    await new Promise((r) => setTimeout(r, 50));
    expect(limiter.queued()).toBe(1);
    controller.abort();
    await expect(waiting).rejects.toBeInstanceOf(LimiterAbortedError);
    expect(limiter.queued()).toBe(0);
    // Once its turn comes (the reservoir refills within ~1 s), the cancelled ticket refunds what it took.
    await new Promise((r) => setTimeout(r, 1300));
    expect((await limiter.available()).requests).toBeGreaterThan(0.9);
    await expect(limiter.acquire(1, { signal: AbortSignal.abort() })).rejects.toBeInstanceOf(LimiterAbortedError);
  });

  it('corrects the token reservoir both ways, bounded by the capacity', async () => {
    const limiter = make({ rpm: 100, tpm: 1000, safetyMargin: 0 });
    await limiter.correctTokens(-400);
    expect((await limiter.available()).tokens).toBeCloseTo(600, -1);
    await limiter.correctTokens(10_000);
    expect((await limiter.available()).tokens).toBe(1000);
    await limiter.correctTokens(-10_000);
    expect((await limiter.available()).tokens).toBeGreaterThanOrEqual(-1000);
    expect((await limiter.available()).tokens).toBeLessThan(-900);
  });

  it('lowers its reservoirs to the server remaining (minus the margin) but never raises them', async () => {
    const limiter = make({ rpm: 100, tpm: 10_000 });
    await limiter.syncWithServer({
      remainingTokens: 5000,
      limitTokens: 10_000,
      remainingRequests: 50,
      limitRequests: 100,
    });
    const lowered = await limiter.available();
    expect(lowered.tokens).toBeGreaterThanOrEqual(4000);
    expect(lowered.tokens).toBeLessThan(4100);
    expect(lowered.requests).toBeGreaterThanOrEqual(40);
    expect(lowered.requests).toBeLessThan(41);
    await limiter.syncWithServer({ remainingTokens: 10_000, remainingRequests: 100 });
    expect((await limiter.available()).tokens).toBeLessThan(4200);
    await limiter.syncWithServer({});
  });

  it('uses the server-reported limit for the margin, so a too-high configured limit cannot starve us', async () => {
    const limiter = make({ rpm: 10_000, tpm: 1_000_000 });
    await limiter.syncWithServer({ remainingRequests: 19, limitRequests: 20 });
    const { requests } = await limiter.available();
    expect(requests).toBeGreaterThanOrEqual(17);
    expect(requests).toBeLessThan(18);
  });

  it('rejects waiting and new calls once stopped', async () => {
    const limiter = createRateLimiter({ rpm: 1, tpm: 1000, safetyMargin: 0 });
    await limiter.acquire(1);
    const waiting = limiter.acquire(1).catch((error: unknown) => error);
    await new Promise((r) => setTimeout(r, 20));
    await limiter.stop();
    expect(await waiting).toBeInstanceOf(LimiterStoppedError);
    await expect(limiter.acquire(1)).rejects.toBeInstanceOf(LimiterStoppedError);
  });
});
