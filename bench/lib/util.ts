/** Shared plumbing for the benchmarks: time, bounded waits, temp dirs, machine info, seeded text. */
import { cpus, freemem, loadavg, platform, release, arch, totalmem } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';

export { sleep };

export interface BenchContext {
  /** Smoke mode: small sizes, whole run under a minute. */
  readonly quick: boolean;
  /** Progress line on stderr (the table goes to stdout). */
  log(message: string): void;
}

/**
 * Poll `predicate` every `intervalMs` until it is truthy or `timeoutMs` passed. Returns whether it became true:
 * benchmarks report a timeout as a result (missed target), they do not crash on it.
 */
export async function pollUntil(predicate: () => boolean, timeoutMs: number, intervalMs = 10): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (predicate()) return true;
    if (Date.now() >= deadline) return false;
    await sleep(intervalMs);
  }
}

/** Resolve with `promise`, or with `fallback` after `timeoutMs` (the promise keeps running; callers clean up). */
export async function within<T>(promise: Promise<T>, timeoutMs: number, fallback: T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<T>((resolve) => {
    timer = setTimeout(() => resolve(fallback), timeoutMs);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export interface MachineInfo {
  cpus: number;
  cpuModel: string;
  node: string;
  platform: string;
  arch: string;
  totalMemMb: number;
  freeMemMb: number;
  loadAvg1m: number;
}

export function machineInfo(): MachineInfo {
  const list = cpus();
  return {
    cpus: list.length,
    cpuModel: list[0]?.model.trim() ?? 'unknown',
    node: process.version,
    platform: `${platform()} ${release()}`,
    arch: arch(),
    totalMemMb: Math.round(totalmem() / 1_048_576),
    freeMemMb: Math.round(freemem() / 1_048_576),
    loadAvg1m: Math.round((loadavg()[0] ?? 0) * 100) / 100,
  };
}

/** A small deterministic PRNG (mulberry32) so every run generates the same text. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const WORDS = (
  'the of and to in is that for it as with was on be by this are or from at an but not have which you one ' +
  'all they can more we their will if has been would there what about when so up out into them only other ' +
  'array function value return string number object type promise async await error thread message model ' +
  'token budget history window limiter request stream answer server client discord channel sqlite store ' +
  'because however example instead although between through without during before after again further ' +
  'configuration performance latency throughput memory benchmark percentile interval schedule fairness'
).split(' ');

/** Plain prose (no Markdown specials): `words` words with sentence ends and the odd paragraph break. */
export function prose(random: () => number, words: number): string {
  const out: string[] = [];
  let sentence = 0;
  for (let i = 0; i < words; i++) {
    let word = WORDS[Math.floor(random() * WORDS.length)] ?? 'word';
    if (sentence === 0) word = word[0]!.toUpperCase() + word.slice(1);
    sentence++;
    const end = sentence > 6 && random() < 0.15;
    if (end || i === words - 1) {
      word += '.';
      sentence = 0;
    } else if (random() < 0.06) {
      word += ',';
    }
    out.push(word);
    if (end && random() < 0.2 && i < words - 1) out.push('\n\n');
  }
  return out.join(' ').replace(/ \n\n /g, '\n\n');
}

/** Milliseconds → seconds with 2 decimals (for settings and logs). */
export const seconds = (ms: number): number => Math.round(ms / 10) / 100;
