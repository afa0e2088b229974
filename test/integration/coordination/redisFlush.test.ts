/**
 * Redis stays up but loses the limiter's keys (FLUSHALL, an eviction, a failover to an empty replica): calls waiting
 * in the shared limiter fail inside bottleneck. They must wait on the shared limiter rebuilt on the fresh keys, not
 * be sent through this process's fallback share as well, which would admit them on top of the shared budget.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { connectRedis, type RedisHub, whenUp } from '../../../src/coordination/redisConnection.js';
import { createSharedRateLimiter } from '../../../src/coordination/sharedRateLimiter.js';
import type { ModelRateLimiter } from '../../../src/llm/limiter.js';
import { silentLogger } from '../../../src/log.js';
import { type PrivateRedis, startPrivateRedis } from '../../helpers/redisServer.js';
import { ensureTestServices } from '../../helpers/testServices.js';

const RPM = 10;
const WINDOW_MS = 4_000;

describe('the shared limiter after Redis lost its keys', () => {
  let redis: PrivateRedis | undefined;
  let hub: RedisHub | undefined;
  let limiter: ModelRateLimiter | undefined;

  afterEach(async () => {
    await limiter?.stop();
    await hub?.close();
    await redis?.stop();
  });

  it('waiting calls move to the rebuilt shared limiter: none stranded, none admitted beyond its budget', async () => {
    await ensureTestServices(); // installs redis-server when missing
    redis = await startPrivateRedis();
    hub = connectRedis(redis.url, { logger: silentLogger() });
    expect(await whenUp(hub, 5_000)).toBe(true);
    limiter = createSharedRateLimiter({
      hub,
      id: `flush-${randomUUID()}`,
      rpm: RPM,
      tpm: 1_000_000,
      windowMs: WINDOW_MS,
      safetyMargin: 0,
      fallbackShare: 0.5,
    });
    for (let i = 0; i < RPM; i++) await limiter.acquire(1);
    const admitted: number[] = [];
    const waiting = Array.from({ length: 5 }, () =>
      limiter!.acquire(1).then(
        () => admitted.push(Date.now()),
        () => undefined,
      ),
    );

    const admin = new Redis(redis.url);
    await admin.flushall();
    await admin.quit();
    const flushedAt = Date.now();
    // A fresh budget of RPM after the flush: the 5 waiting calls and RPM more ask for 15 at once.
    const more = Array.from({ length: RPM }, () =>
      limiter!.acquire(1).then(
        () => admitted.push(Date.now()),
        () => undefined,
      ),
    );
    // Every call is admitted in the end: none is stranded on a limiter that no longer hears capacity come back.
    const all = Promise.all([...waiting, ...more]);
    await Promise.race([all, new Promise((resolve) => setTimeout(resolve, WINDOW_MS))]);
    expect(admitted).toHaveLength(5 + RPM);
    // The fresh reservoir (RPM) and a second of its refill (RPM / 4); the fallback share would have added 5 more.
    // Counted from the first admission after the flush: the rebuild itself takes a few round trips.
    const firstAfter = Math.min(...admitted.filter((at) => at >= flushedAt));
    const inFirstSecond = admitted.filter((at) => at >= firstAfter && at - firstAfter < 1_000).length;
    expect(inFirstSecond).toBeGreaterThanOrEqual(RPM);
    expect(inFirstSecond).toBeLessThanOrEqual(RPM + 3);
  }, 20_000);
});
