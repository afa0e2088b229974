/**
 * The model limiter shared through a real redis-server: two processes hammering one budget together get no more
 * than the budget allows (burst + refill), and the refill runs at the configured rate on Redis (bottleneck's
 * clustering computes it in Lua, differently from its local timers).
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureTestServices } from '../../helpers/testServices.js';
import { spawnWorker, type Worker } from './workers/spawnWorker.js';

const WORKER = join(import.meta.dirname, 'workers/limiterWorker.ts');
const WINDOW_MS = 2_000;
const RUN_MS = 3_000;
/** Refills land every 250 ms: allow one step of slack either way, plus scheduling jitter. */
const REFILL_TOLERANCE = 0.15;

let redisUrl = '';
let workers: Worker[] = [];

beforeAll(async () => {
  redisUrl = (await ensureTestServices()).redisUrl;
}, 240_000);

afterEach(async () => {
  await Promise.all(workers.map((w) => w.stop()));
  workers = [];
});

interface Run {
  admitted: number[];
  overheadMs: number[];
}

async function runTwoProcesses(limits: {
  rpm: number;
  tpm: number;
  weight: number;
}): Promise<{ start: number; runs: Run[] }> {
  const env = {
    REDIS_URL: redisUrl,
    LIMITER_ID: `test-${randomUUID()}`,
    RPM: String(limits.rpm),
    TPM: String(limits.tpm),
    WINDOW_MS: String(WINDOW_MS),
    WEIGHT: String(limits.weight),
    CONCURRENCY: '4',
  };
  workers = [spawnWorker(WORKER, env), spawnWorker(WORKER, env)];
  for (const worker of workers) expect(await worker.nextLine()).toBe('ready');
  const start = Date.now();
  for (const worker of workers) worker.send(`go ${RUN_MS}`);
  const runs = await Promise.all(workers.map(async (w) => JSON.parse(await w.nextLine()) as Run));
  return { start, runs };
}

const between = (times: number[], from: number, to: number) => times.filter((t) => t >= from && t < to).length;

describe('model limiter shared through Redis by two processes', () => {
  it('holds RPM across both: burst + refill, never more; refill at the configured rate', async () => {
    const rpm = 40; // per WINDOW_MS: a burst of 40, then 20 per second
    const { start, runs } = await runTwoProcesses({ rpm, tpm: 1_000_000, weight: 1 });
    const all = runs.flatMap((r) => r.admitted);
    // Both processes really competed for the one budget.
    for (const run of runs) expect(run.admitted.length).toBeGreaterThan(5);
    const expected = rpm + (rpm * RUN_MS) / WINDOW_MS;
    expect(all.length).toBeLessThanOrEqual(expected + 5);
    // The burst is gone in the first second; what follows is the refill alone.
    const refillPerSecond = between(all, start + 1_000, start + RUN_MS) / ((RUN_MS - 1_000) / 1_000);
    const configured = (rpm * 1_000) / WINDOW_MS;
    console.info(
      `RPM: admitted ${all.length} (bound ${expected}), refill ${refillPerSecond}/s (configured ${configured})`,
    );
    expect(Math.abs(refillPerSecond - configured) / configured).toBeLessThanOrEqual(REFILL_TOLERANCE);
    // Admission overhead with capacity free, on loopback Redis.
    const overhead = runs.flatMap((r) => r.overheadMs).sort((a, b) => a - b);
    if (overhead.length > 0)
      console.info(`limiter admission p95 ${overhead[Math.floor(overhead.length * 0.95)]?.toFixed(2)} ms`);
  });

  it('holds TPM across both with weighted calls', async () => {
    const tpm = 2_000; // per WINDOW_MS; each call weighs 50 → a burst of 40 calls, then 20 per second
    const { start, runs } = await runTwoProcesses({ rpm: 100_000, tpm, weight: 50 });
    const tokens = runs.flatMap((r) => r.admitted).map((t) => ({ t, tokens: 50 }));
    for (const run of runs) expect(run.admitted.length).toBeGreaterThan(5);
    const total = tokens.reduce((sum, x) => sum + x.tokens, 0);
    expect(total).toBeLessThanOrEqual(tpm + (tpm * RUN_MS) / WINDOW_MS + 250);
    const refill =
      (between(
        tokens.map((x) => x.t),
        start + 1_000,
        start + RUN_MS,
      ) *
        50) /
      2;
    const configured = (tpm * 1_000) / WINDOW_MS;
    expect(Math.abs(refill - configured) / configured).toBeLessThanOrEqual(REFILL_TOLERANCE);
  });
});
