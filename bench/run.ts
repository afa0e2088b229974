/**
 * `npm run bench` — offline benchmarks against the project's fakes on loopback. Prints one table and writes
 * bench/results.json. `npm run bench -- --quick` is a smoke run with small sizes (about 2.5 minutes);
 * `--only B1,B4` runs a subset. Exits non-zero only when a benchmark crashes (a missed target is a result).
 */
import { setMaxListeners } from 'node:events';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runB1 } from './b1Limiter.js';
import { runB2 } from './b2Streaming.js';
import { runB3 } from './b3FirstToken.js';
import { runB4 } from './b4History.js';
import { runB5 } from './b5Hostile.js';
import { runB6 } from './b6Memory.js';
import { runB7 } from './b7Store.js';
import { runB8 } from './b8PromptCache.js';
import { runB9 } from './b9SharedLimiter.js';
import { finishRow, renderNotes, renderTable, writeResults, type FinishedRow, type Row } from './lib/report.js';
import { machineInfo, type BenchContext } from './lib/util.js';

type Bench = (ctx: BenchContext) => Promise<{ rows: Row[]; settings: unknown }>;

const BENCHES: ReadonlyArray<[string, Bench]> = [
  ['B1', runB1],
  ['B2', runB2],
  ['B3', runB3],
  ['B4', runB4],
  ['B5', runB5],
  ['B6', runB6],
  ['B7', runB7],
  ['B8', runB8],
  ['B9', runB9],
];

/** The whole run is bounded: a hung benchmark ends the run (as a crash). The full run takes ~15 min on 2 cores (B6: ~7). */
const WATCHDOG_MS = { quick: 5 * 60_000, full: 25 * 60_000 };
const RESULTS_PATH = join(dirname(fileURLToPath(import.meta.url)), 'results.json');

async function main(): Promise<number> {
  // The fake OpenAI adds one abort listener per open stream to its lifetime signal; with dozens of streams Node
  // would warn about a leak that is not one (see the report). Raise the default for EventTargets created from here on.
  setMaxListeners(1_000);
  const args = process.argv.slice(2);
  const quick = args.includes('--quick');
  const onlyArg = args.find((a) => a.startsWith('--only'));
  const onlyValue = onlyArg?.includes('=')
    ? onlyArg.split('=')[1]
    : onlyArg
      ? args[args.indexOf(onlyArg) + 1]
      : undefined;
  const only = onlyValue ? new Set(onlyValue.toUpperCase().split(',')) : undefined;

  const startedAt = new Date();
  const started = performance.now();
  const machine = machineInfo();
  const ctx: BenchContext = {
    quick,
    log: (message) =>
      process.stderr.write(`[${((performance.now() - started) / 1000).toFixed(1).padStart(5)} s] ${message}\n`),
  };
  const rows: FinishedRow[] = [];
  const settings: Record<string, unknown> = {};
  const errors: Record<string, string> = {};

  const finish = (extraError?: string): number => {
    if (extraError) errors.run = extraError;
    const durationS = Math.round((performance.now() - started) / 100) / 10;
    writeResults(RESULTS_PATH, {
      mode: quick ? 'quick' : 'full',
      startedAt: startedAt.toISOString(),
      durationS,
      machine,
      settings,
      errors,
      rows,
    });
    process.stdout.write(`\n${renderTable(rows)}\n\n`);
    const notes = renderNotes(rows);
    if (notes) process.stdout.write(`${notes}\n\n`);
    process.stdout.write(
      `${quick ? 'quick' : 'full'} run: ${durationS} s on ${machine.cpus} × ${machine.cpuModel}, Node ${machine.node}; ` +
        `results in ${RESULTS_PATH}\n`,
    );
    const crashed = Object.keys(errors);
    if (crashed.length > 0)
      process.stdout.write(`CRASHED: ${crashed.map((id) => `${id}: ${errors[id]}`).join('; ')}\n`);
    return crashed.length > 0 ? 1 : 0;
  };

  const watchdog = setTimeout(
    () => {
      process.exitCode = finish(`watchdog: the run exceeded ${WATCHDOG_MS[quick ? 'quick' : 'full'] / 1000} s`);
      process.exit();
    },
    WATCHDOG_MS[quick ? 'quick' : 'full'],
  );
  watchdog.unref();

  ctx.log(`${quick ? 'quick' : 'full'} run on ${machine.cpus} CPUs (${machine.cpuModel}), Node ${machine.node}`);
  for (const [id, bench] of BENCHES) {
    if (only && !only.has(id)) continue;
    const benchStarted = performance.now();
    try {
      const output = await bench(ctx);
      settings[id] = output.settings;
      rows.push(...output.rows.map(finishRow));
    } catch (error) {
      errors[id] = error instanceof Error ? (error.stack ?? error.message) : String(error);
      ctx.log(`${id} CRASHED: ${errors[id]}`);
    }
    ctx.log(`${id} took ${((performance.now() - benchStarted) / 1000).toFixed(1)} s`);
  }
  clearTimeout(watchdog);
  return finish();
}

main().then(
  (code) => {
    // Every server and child is closed by its benchmark; exit explicitly so a stray keep-alive socket or timer in a
    // library cannot keep the process (and CI) waiting.
    process.exit(code);
  },
  (error: unknown) => {
    process.stderr.write(`bench crashed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
