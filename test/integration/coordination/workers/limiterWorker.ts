/**
 * One bot-like process for the cross-process limiter test: a shared model limiter on REDIS_URL, hammered by
 * CONCURRENCY callers from `go <ms>` (stdin) until the time is up; prints the admission times as JSON.
 */
import { createInterface } from 'node:readline';
import { connectRedis, whenUp } from '../../../../src/coordination/redisConnection.js';
import { createSharedRateLimiter } from '../../../../src/coordination/sharedRateLimiter.js';

const env = (name: string) => {
  const value = process.env[name];
  if (value === undefined) throw new Error(`${name} is required`);
  return value;
};

const hub = connectRedis(env('REDIS_URL'));
if (!(await whenUp(hub, 5_000))) throw new Error('redis not reachable');
const limiter = createSharedRateLimiter({
  hub,
  id: env('LIMITER_ID'),
  rpm: Number(env('RPM')),
  tpm: Number(env('TPM')),
  windowMs: Number(env('WINDOW_MS')),
  safetyMargin: 0,
  fallbackShare: 0.5,
});
const weight = Number(env('WEIGHT'));
const concurrency = Number(env('CONCURRENCY'));
await limiter.available();
console.log('ready');

const lines = createInterface({ input: process.stdin });
for await (const line of lines) {
  const [command, ms] = line.split(' ');
  if (command !== 'go') continue;
  const deadline = Date.now() + Number(ms);
  const admitted: number[] = [];
  const overheadMs: number[] = [];
  const caller = async () => {
    while (Date.now() < deadline) {
      const started = performance.now();
      const permit = await limiter.acquire(weight).catch(() => undefined);
      if (!permit || Date.now() >= deadline) return;
      admitted.push(Date.now());
      // Admission overhead: the time spent in acquire beyond waiting for capacity.
      if (permit.waitedMs === 0) overheadMs.push(performance.now() - started);
    }
  };
  const stopAtDeadline = setTimeout(() => void limiter.stop(), Math.max(0, deadline - Date.now()));
  await Promise.all(Array.from({ length: concurrency }, caller));
  clearTimeout(stopAtDeadline);
  await limiter.stop();
  console.log(JSON.stringify({ admitted, overheadMs }));
  break;
}
lines.close();
await hub.close();
