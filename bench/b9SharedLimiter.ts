/**
 * B9 — several processes sharing one OpenAI budget.
 *
 * 2 and then 4 worker processes (bench/lib/b9Worker.ts, the real model client and limiter in each) run the same
 * total of conversations against one fake OpenAI enforcing RPM and TPM, on a shortened window as in B1:
 * - ours: every process's limiter is shared through one real redis-server (createSharedRateLimiter, bottleneck's
 *   Redis datastore), configured with the account's full budget;
 * - baseline (the naive setup), same run: each process runs its own local limiter at the full budget.
 * Upstream 429s and TPM used while work queued are read from the fake's records (B1's method). Admission overhead:
 * every process at once takes sequential permits from a limiter with capacity to spare (so nothing waits for
 * budget); shared through Redis on loopback vs local.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { startFakeOpenAI } from '../test/fakes/openai/index.js';
import { spawnWorker, type Worker } from '../test/integration/coordination/workers/spawnWorker.js';
import { startBenchRedis } from './lib/b9Redis.js';
import { tpmUsed, type Call, type Utilisation } from './lib/b9Metrics.js';
import type { Row } from './lib/report.js';
import { percentile } from './lib/stats.js';
import { seconds, type BenchContext } from './lib/util.js';

interface B9Settings {
  processes: number[];
  /** Conversations in total, split evenly between the processes. */
  conversations: number;
  turnsPerConversation: number;
  rpm: number;
  tpm: number;
  windowMs: number;
  completionCap: number;
  /** Sequential acquires per process for the overhead figure. */
  acquires: number;
  /** Bound on one variant's run (each worker aborts its calls after it). */
  runTimeoutMs: number;
}

const WORKER = join(import.meta.dirname, 'lib/b9Worker.ts');
const ANSWER = 'Here is a short answer to your question, with one more sentence of detail.';

interface WorkerRun {
  completed: number;
  failed: number;
  timedOut: boolean;
  calls: Call[];
}

interface Variant {
  upstream429: number;
  chatRequests: number;
  completed: number;
  failed: number;
  timedOut: boolean;
  makespanMs: number;
  utilisation: Utilisation;
  violations: number;
}

async function runVariant(workers: Worker[], mode: 'shared' | 'local', s: B9Settings): Promise<Variant> {
  const fake = await startFakeOpenAI({
    answer: () => ANSWER,
    tokensPerSecond: 300,
    chunkTokens: 2,
    rateLimits: { rpm: s.rpm, tpm: s.tpm, windowMs: s.windowMs },
  });
  try {
    const id = `b9-${randomUUID()}`;
    const each = Math.ceil(s.conversations / workers.length);
    const started = Date.now();
    for (const worker of workers) worker.send(`go ${mode} ${fake.url} ${id} ${each}`);
    const runs = await Promise.all(workers.map(async (w) => JSON.parse(await w.nextLine()) as WorkerRun));
    const makespanMs = Date.now() - started;
    const requests = fake.chatRequests();
    const calls = runs.flatMap((r) => r.calls);
    return {
      upstream429: requests.filter((r) => r.status === 429).length,
      chatRequests: requests.length,
      completed: runs.reduce((sum, r) => sum + r.completed, 0),
      failed: runs.reduce((sum, r) => sum + r.failed, 0),
      timedOut: runs.some((r) => r.timedOut),
      makespanMs,
      utilisation: tpmUsed(requests, calls, s),
      violations: fake.violations.length,
    };
  } finally {
    await fake.close();
  }
}

/** One conversation per process through the whole stack: a cold first call arrives late and skews the first run. */
async function warmUp(workers: Worker[]): Promise<void> {
  const fake = await startFakeOpenAI({ answer: () => ANSWER });
  try {
    for (const worker of workers) worker.send(`warm ${fake.url}`);
    await Promise.all(workers.map((w) => w.nextLine()));
  } finally {
    await fake.close();
  }
}

interface Admission {
  p50: number;
  p95: number;
  n: number;
}

async function admissionTimes(workers: Worker[], mode: 'shared' | 'local'): Promise<Admission> {
  const id = `b9-overhead-${randomUUID()}`;
  for (const worker of workers) worker.send(`overhead ${mode} ${id}`);
  const all = (await Promise.all(workers.map(async (w) => JSON.parse(await w.nextLine()) as number[]))).flat();
  return { p50: percentile(all, 50), p95: percentile(all, 95), n: all.length };
}

const pct = (v: number | null) => (v === null ? null : Math.round(v * 1000) / 10);

function rowsFor(
  n: number,
  s: B9Settings,
  ours: Variant,
  naive: Variant,
  overhead: { shared: Admission; local: Admission },
): Row[] {
  const name = `${n} processes, ${s.conversations} conv × ${s.turnsPerConversation} turns`;
  const total = s.conversations * s.turnsPerConversation;
  const violations = ours.violations + naive.violations;
  return [
    {
      id: 'B9',
      case: name,
      metric: 'upstream 429s',
      unit: 'count',
      value: ours.upstream429,
      baseline: naive.upstream429,
      target: '0',
      met: ours.upstream429 === 0,
      note:
        `shared Redis limiter vs a local limiter per process at the full budget; ${ours.chatRequests} vs ` +
        `${naive.chatRequests} chat requests for ${total} turns; turns failed ${ours.failed} vs ${naive.failed}; ` +
        `makespan ${seconds(ours.makespanMs)} vs ${seconds(naive.makespanMs)} s` +
        (ours.timedOut || naive.timedOut ? ` (cut off at ${seconds(s.runTimeoutMs)} s)` : '') +
        (violations ? `; ${violations} OpenAPI violations recorded by the fake` : ''),
    },
    {
      id: 'B9',
      case: name,
      metric: 'TPM used while work queued',
      unit: '%',
      value: pct(ours.utilisation.value),
      baseline: pct(naive.utilisation.value),
      target: '≥ 85 %',
      met: ours.utilisation.value === null ? false : ours.utilisation.value >= 0.85,
      note:
        `tokens charged at the fake by admitted requests after the first window, over ` +
        `${seconds(ours.utilisation.spanMs)} s (baseline ${seconds(naive.utilisation.spanMs)} s); ` +
        'the limiter keeps a ' +
        `5 % safety margin; the naive share can pass 100 %: bursts into a bucket refilled during ` +
        'retry-after pauses',
    },
    {
      id: 'B9',
      case: name,
      metric: 'limiter admission p95',
      unit: 'ms',
      value: overhead.shared.p95,
      baseline: overhead.local.p95,
      target: '≤ 5 ms',
      met: overhead.shared.p95 <= 5,
      note:
        `${overhead.shared.n} acquires with capacity to spare, all ${n} processes at once, each one per 20 ms; ` +
        `shared through Redis on loopback vs a local limiter; p50 ${overhead.shared.p50.toFixed(2)} vs ` +
        `${overhead.local.p50.toFixed(2)} ms (both ask the RPM and TPM reservoirs at once and admit when both jobs start)`,
    },
  ];
}

export async function runB9(ctx: BenchContext): Promise<{ rows: Row[]; settings: B9Settings }> {
  const s: B9Settings = ctx.quick
    ? {
        processes: [2, 4],
        conversations: 24,
        turnsPerConversation: 2,
        rpm: 40,
        tpm: 8_000,
        windowMs: 1_000,
        completionCap: 512,
        acquires: 60,
        runTimeoutMs: 8_000,
      }
    : {
        processes: [2, 4],
        conversations: 64,
        turnsPerConversation: 2,
        rpm: 60,
        tpm: 18_000,
        windowMs: 3_000,
        completionCap: 512,
        acquires: 200,
        runTimeoutMs: 18_000,
      };
  const redis = await startBenchRedis();
  const max = Math.max(...s.processes);
  const workers: Worker[] = [];
  try {
    for (let i = 0; i < max; i++)
      workers.push(
        spawnWorker(WORKER, {
          REDIS_URL: redis.url,
          RPM: String(s.rpm),
          TPM: String(s.tpm),
          WINDOW_MS: String(s.windowMs),
          TURNS: String(s.turnsPerConversation),
          COMPLETION_CAP: String(s.completionCap),
          ACQUIRES: String(s.acquires),
          RUN_TIMEOUT_MS: String(s.runTimeoutMs),
          SEED: String(i + 1),
          FALLBACK_SHARE: String(1 / max),
        }),
      );
    for (const worker of workers) if ((await worker.nextLine()) !== 'ready') throw new Error('worker not ready');
    await warmUp(workers);
    const rows: Row[] = [];
    for (const n of s.processes) {
      const group = workers.slice(0, n);
      ctx.log(`B9 ${n} processes: shared Redis limiter (RPM ${s.rpm}, TPM ${s.tpm} per ${s.windowMs / 1000} s)`);
      const ours = await runVariant(group, 'shared', s);
      ctx.log(`B9 ${n} shared: ${seconds(ours.makespanMs)} s, ${ours.upstream429} × 429, ${ours.failed} failed`);
      const naive = await runVariant(group, 'local', s);
      ctx.log(`B9 ${n} naive: ${seconds(naive.makespanMs)} s, ${naive.upstream429} × 429, ${naive.failed} failed`);
      const shared = await admissionTimes(group, 'shared');
      const local = await admissionTimes(group, 'local');
      rows.push(...rowsFor(n, s, ours, naive, { shared, local }));
    }
    return { rows, settings: s };
  } finally {
    for (const worker of workers) worker.send('quit');
    await Promise.all(workers.map((w) => w.stop()));
    await redis.close();
  }
}
