/**
 * Redis dies mid-run: the limiter and the write budget fall back to this process's share (half here) with one
 * warning, a call already waiting in the shared limiter is not stranded, and when Redis returns both share again.
 */
import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectRedis, type RedisHub } from '../../../src/coordination/redisConnection.js';
import { createSharedRateLimiter } from '../../../src/coordination/sharedRateLimiter.js';
import { SharedWriteBudget } from '../../../src/coordination/sharedWriteBudget.js';
import type { ModelRateLimiter } from '../../../src/llm/limiter.js';
import { createLogger } from '../../../src/log.js';
import { ensureTestServices } from '../../helpers/testServices.js';
import { startPrivateRedis, type PrivateRedis } from '../../helpers/redisServer.js';

const lines: Array<{ level: number; msg: string }> = [];
const logger = createLogger(
  'info',
  new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as { level: number; msg: string });
      done();
    },
  }),
);
const WARN = 40;

let redis: PrivateRedis;
let hub: RedisHub;
let budget: SharedWriteBudget;
let limiter: ModelRateLimiter;
const budgetKey = `budget-${randomUUID()}`;
const limiterId = `limiter-${randomUUID()}`;

const state = (up: boolean) =>
  new Promise<void>((resolve) => {
    if (hub.isUp() === up) return resolve();
    const off = hub.onChange((now) => {
      if (now !== up) return;
      off();
      resolve();
    });
  });

async function grantsWithin(ms: number): Promise<number> {
  const deadline = Date.now() + ms;
  let granted = 0;
  const caller = async () => {
    while (Date.now() < deadline) {
      await budget.acquire('urgent');
      if (Date.now() < deadline) granted += 1;
    }
  };
  await Promise.all([caller(), caller(), caller()]);
  return granted;
}

beforeAll(async () => {
  await ensureTestServices(); // installs redis-server when missing
  redis = await startPrivateRedis();
  hub = connectRedis(redis.url, { logger });
  await state(true);
  budget = new SharedWriteBudget({ hub, perSecond: 40, fallbackShare: 0.5, key: budgetKey });
  limiter = createSharedRateLimiter({
    hub,
    id: limiterId,
    rpm: 40,
    tpm: 1_000_000,
    windowMs: 2_000,
    safetyMargin: 0,
    fallbackShare: 0.5,
  });
}, 240_000);

afterAll(async () => {
  budget?.dispose();
  await limiter?.stop();
  await hub?.close();
  await redis?.stop();
});

describe('Redis outage', () => {
  it('falls back to the per-process share with one warning, then shares again when Redis returns', async () => {
    // Shared: the whole burst (40) is drawn from Redis; the next call has to wait for a refill.
    for (let i = 0; i < 40; i++) await limiter.acquire(1);
    const waiting = limiter.acquire(1);
    expect(await grantsWithin(500)).toBeGreaterThan(15); // 4 + 36 × 0.5 from Redis

    await redis.kill();
    await state(false);
    // The waiting call moves to the local limiter (its own burst of 20) instead of hanging on a dead Redis.
    await expect(waiting).resolves.toMatchObject({ tokens: 1 });
    // Half the budget locally: a burst of 2, then 18/s (20 in a second, as each of two processes may take).
    const outage = await grantsWithin(1_000);
    expect(outage).toBeGreaterThanOrEqual(2 + 15);
    expect(outage).toBeLessThanOrEqual(2 + 18 + 2);
    const warnings = lines.filter((l) => l.level === WARN);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.msg).toMatch(/Redis is unreachable/);

    await redis.start();
    await state(true);
    expect(lines.some((l) => /Redis is back/.test(l.msg))).toBe(true);
    await grantsWithin(300);
    // Past the fresh reservoir (40 per 2 s): the calls that wait are woken by its refill (20/s), not stranded.
    const drainedFrom = Date.now();
    for (let i = 0; i < 45; i++) await limiter.acquire(1);
    expect(Date.now() - drainedFrom).toBeLessThan(2_000);
    // Both draw on Redis again (a fresh Redis: bottleneck re-creates its state there).
    const probe = new Redis(redis.url);
    const keys = await probe.keys('*');
    await probe.quit();
    expect(keys).toContain(budgetKey);
    expect(keys.some((k) => k.includes(limiterId))).toBe(true);
    expect(lines.filter((l) => l.level === WARN)).toHaveLength(1);
  }, 30_000);
});
