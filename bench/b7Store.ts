/**
 * B7 — committing turns to SQLite under concurrency.
 *
 * 50 threads commit exchanges (a user turn + an assistant turn, realistic sizes) as fast as they can for a fixed
 * time, through `KeyvStore.commitTurns` on a real SQLite file (WAL): per-commit latency p50/p95 and throughput.
 * Reference (baseline column): the same commits from a single thread, one after another.
 */
import { openStore, type KeyvStore } from '../src/store/keyvStore.js';
import { textTurn, type ThreadMeta, type Turn } from '../src/store/types.js';
import { countTokens, warmUpTokenizer } from '../src/tokens/tokenCounter.js';
import { makeTempDir, sqliteUrl } from '../test/helpers/tempDir.js';
import type { Row } from './lib/report.js';
import { summarize, type Summary } from './lib/stats.js';
import { prose, seededRandom, type BenchContext } from './lib/util.js';

interface B7Settings {
  concurrentThreads: number;
  durationMs: number;
  /** Bound on commits per thread (keeps a very fast machine from filling the disk). */
  maxCommitsPerThread: number;
}

interface Measured {
  latency: Summary;
  commitsPerSecond: number;
  commits: number;
  errors: number;
}

function exchange(texts: readonly string[], index: number): Turn[] {
  const question = texts[index % texts.length]!;
  const answer = texts[(index * 7 + 3) % texts.length]!;
  const at = Date.now();
  return [
    textTurn({
      role: 'user',
      text: question,
      authorId: '123456789012345678',
      messageIds: ['1300000000000000001'],
      tokens: countTokens(question),
      at,
    }),
    textTurn({
      role: 'assistant',
      text: answer,
      authorId: '223456789012345678',
      messageIds: ['1300000000000000002'],
      tokens: countTokens(answer),
      at,
    }),
  ];
}

async function measure(
  store: KeyvStore,
  threads: number,
  prefix: string,
  s: B7Settings,
  texts: readonly string[],
): Promise<Measured> {
  const metas: ThreadMeta[] = [];
  for (let i = 0; i < threads; i++) {
    metas.push(
      await store.createThread({
        threadId: `${prefix}${String(i).padStart(4, '0')}`,
        guildId: '876543210987654321',
        channelId: '876543210987654322',
        creatorId: '123456789012345678',
        createdAt: Date.now(),
      }),
    );
  }
  // Turns are prepared up front: only the commit is timed.
  const prepared = Array.from({ length: 64 }, (_, i) => exchange(texts, i));
  const latencies: number[] = [];
  let errors = 0;
  const started = performance.now();
  const deadline = started + s.durationMs;
  await Promise.all(
    metas.map(async (initial, thread) => {
      let meta = initial;
      for (let i = 0; i < s.maxCommitsPerThread && performance.now() < deadline; i++) {
        const turns = prepared[(thread + i) % prepared.length]!;
        const t0 = performance.now();
        try {
          meta = await store.commitTurns(meta, turns);
          latencies.push(performance.now() - t0);
        } catch {
          errors++;
          const fresh = await store.getThread(meta.threadId);
          if (fresh) meta = fresh;
        }
      }
    }),
  );
  const elapsed = performance.now() - started;
  return {
    latency: summarize(latencies),
    commitsPerSecond: (latencies.length * 1000) / elapsed,
    commits: latencies.length,
    errors,
  };
}

export async function runB7(ctx: BenchContext): Promise<{ rows: Row[]; settings: B7Settings }> {
  const s: B7Settings = {
    concurrentThreads: 50,
    durationMs: ctx.quick ? 1_500 : 8_000,
    maxCommitsPerThread: 2_000,
  };
  warmUpTokenizer();
  const random = seededRandom(7);
  const texts = Array.from({ length: 32 }, () => prose(random, 40 + Math.floor(random() * 200)));
  const temp = makeTempDir('bench-b7-');
  const store = await openStore(sqliteUrl(temp.dir));
  let concurrent: Measured;
  let single: Measured;
  try {
    ctx.log(`B7 ${s.concurrentThreads} threads committing for ${s.durationMs / 1000} s`);
    concurrent = await measure(store, s.concurrentThreads, '3200000000000', s, texts);
    ctx.log(`B7 reference: 1 thread for ${s.durationMs / 2000} s`);
    single = await measure(store, 1, '3300000000000', { ...s, durationMs: s.durationMs / 2 }, texts);
  } finally {
    await store.close();
    temp.remove();
  }
  const name = `${s.concurrentThreads} concurrent threads`;
  const errors = concurrent.errors + single.errors;
  const rows: Row[] = [
    {
      id: 'B7',
      case: name,
      metric: 'commit latency p50',
      unit: 'ms',
      value: concurrent.latency.p50,
      baseline: single.latency.p50,
      note: `baseline = 1 thread committing alone; SQLite WAL, synchronous=NORMAL${errors ? `; ${errors} commits FAILED` : ''}`,
    },
    {
      id: 'B7',
      case: name,
      metric: 'commit latency p95',
      unit: 'ms',
      value: concurrent.latency.p95,
      baseline: single.latency.p95,
      note: `max ${concurrent.latency.max.toFixed(1)} ms (alone ${single.latency.max.toFixed(1)} ms)`,
    },
    {
      id: 'B7',
      case: name,
      metric: 'throughput (exchanges)',
      unit: 'per s',
      value: concurrent.commitsPerSecond,
      baseline: single.commitsPerSecond,
      note: `${concurrent.commits} commits of 2 turns each (~${Math.round(texts.reduce((sum, t) => sum + t.length, 0) / texts.length)} chars per turn)`,
    },
  ];
  return { rows, settings: s };
}
