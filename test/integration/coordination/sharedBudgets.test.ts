/**
 * Discord's write budget and the per-user message limit shared by two processes through a real redis-server.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureTestServices } from '../../helpers/testServices.js';
import { spawnWorker, type Worker } from './workers/spawnWorker.js';

const WORKER = join(import.meta.dirname, 'workers/coordWorker.ts');
let redisUrl = '';
let workers: Worker[] = [];

beforeAll(async () => {
  redisUrl = (await ensureTestServices()).redisUrl;
}, 240_000);

afterEach(async () => {
  for (const worker of workers) worker.send('quit');
  await Promise.all(workers.map((w) => w.stop()));
  workers = [];
});

async function twoWorkers(): Promise<Worker[]> {
  const env = { REDIS_URL: redisUrl, BUDGET_KEY: `budget-${randomUUID()}`, USER_CHANNEL: `users-${randomUUID()}` };
  workers = [spawnWorker(WORKER, env), spawnWorker(WORKER, env)];
  for (const worker of workers) expect(await worker.nextLine()).toBe('ready');
  return workers;
}

describe('shared through Redis by two processes', () => {
  it('write budget: both together stay at the bot-wide rate (40/s: a burst of 4, refilled at 36/s)', async () => {
    const [a, b] = await twoWorkers();
    const start = Date.now();
    a!.send('budget 2000');
    b!.send('budget 2000');
    const grants = (await Promise.all([a!.nextLine(), b!.nextLine()])).map((line) => JSON.parse(line) as number[]);
    for (const mine of grants) expect(mine.length).toBeGreaterThan(10);
    const all = grants.flat();
    expect(all.length).toBeLessThanOrEqual(4 + 36 * 2 + 4);
    const steady = all.filter((t) => t >= start + 500 && t < start + 2_000).length / 1.5;
    console.info(`write budget: ${all.length} grants in 2 s, ${steady.toFixed(1)}/s after the burst (configured 40/s)`);
    expect(steady).toBeGreaterThan(36 * 0.85);
    expect(steady).toBeLessThan(36 * 1.15);
    // No second holds more than the budget (a grant pocketed by a worker may be used up to 200 ms later).
    for (let from = start; from + 1_000 <= start + 2_000; from += 50) {
      expect(all.filter((t) => t >= from && t < from + 1_000).length).toBeLessThanOrEqual(40 + 4);
    }
  });

  it('user limit: what one process admitted counts in the other (5 per minute)', async () => {
    const [a, b] = await twoWorkers();
    a!.send('take user-1 3 0');
    expect(JSON.parse(await a!.nextLine())).toEqual([true, true, true]);
    b!.send('take user-1 3 3');
    expect(JSON.parse(await b!.nextLine())).toEqual([true, true, false]);
    // And back: the first process now refuses too, while another user is untouched.
    a!.send('take user-1 1 2');
    expect(JSON.parse(await a!.nextLine())).toEqual([false]);
    a!.send('take user-2 1 2');
    expect(JSON.parse(await a!.nextLine())).toEqual([true]);
  });
});
