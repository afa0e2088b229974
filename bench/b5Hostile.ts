/**
 * B5 — hostile input and the event loop.
 *
 * Counting tokens of text built to hurt a BPE tokenizer: 60,000 identical characters, one 10,000-character "word",
 * and special-token text. While counting, the longest event-loop block is measured two ways: the max of
 * `perf_hooks.monitorEventLoopDelay({ resolution: 1 })`, and the largest gap between ticks of a 1 ms setInterval.
 * The reported block is the larger of the two.
 *
 * - ours: `countTokensAsync` (segments long runs, yields every few ms) — what the bot uses on user text.
 * - baseline: js-tiktoken's `encode(text, [], [])` on the raw text. Its merge is quadratic per piece: on the first two
 *   inputs it would run for minutes, so its input is capped to a length that takes at most about `baselineBudgetMs`
 *   (see capForBudget), and the table says so.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Tiktoken } from 'js-tiktoken/lite';
import o200k_base from 'js-tiktoken/ranks/o200k_base';
import { countTokensAsync, warmUpTokenizer } from '../src/tokens/tokenCounter.js';
import type { Row } from './lib/report.js';
import { seededRandom, sleep, type BenchContext } from './lib/util.js';

interface B5Settings {
  cases: Array<{ name: string; chars: number }>;
  targetBlockMs: number;
  /** The baseline's input is capped so one encode takes about this long. */
  baselineBudgetMs: number;
}

interface Measured {
  blockMs: number;
  eldMaxMs: number;
  tickGapMs: number;
  totalMs: number;
  tokens: number;
}

/** Run `work` while watching the event loop; the block is the worst of the histogram max and the tick gap. */
async function watch(work: () => Promise<number> | number): Promise<Measured> {
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  let last = performance.now();
  let maxGap = 0;
  const ticker = setInterval(() => {
    const now = performance.now();
    maxGap = Math.max(maxGap, now - last);
    last = now;
  }, 1);
  await sleep(20); // both probes running before the work starts
  histogram.enable();
  last = performance.now();
  maxGap = 0;
  const started = performance.now();
  const tokens = await work();
  const totalMs = performance.now() - started;
  await sleep(20); // let both probes observe the end of a synchronous block
  histogram.disable();
  clearInterval(ticker);
  const eldMaxMs = histogram.max / 1e6;
  // The interval's own 1 ms period is not a block.
  const tickGapMs = Math.max(0, maxGap - 1);
  return { blockMs: Math.max(eldMaxMs, tickGapMs), eldMaxMs, tickGapMs, totalMs, tokens };
}

function randomWord(chars: number): string {
  const random = seededRandom(5);
  let word = '';
  for (let i = 0; i < chars; i++) word += String.fromCharCode(97 + Math.floor(random() * 26));
  return word;
}

function specialTokens(chars: number): string {
  const specials = [
    '<|endoftext|>',
    '<|im_start|>',
    '<|im_end|>',
    '<|fim_prefix|>',
    '<|fim_middle|>',
    '<|fim_suffix|>',
    '<|endofprompt|>',
  ];
  let text = '';
  for (let i = 0; text.length < chars; i++) text += specials[i % specials.length]! + (i % 5 === 4 ? ' ' : '');
  return text.slice(0, chars);
}

/**
 * How much of `text` the raw baseline may encode within about `budgetMs`. Prefixes double from 1,000 characters
 * until one takes an eighth of the budget; the cap then assumes cost grows at most with the cube of the length
 * (js-tiktoken's merge measured ~n^2.5 here), so the capped run stays within the budget. Also an estimate of the
 * whole text's cost from the last two prefixes, for the table.
 */
function capForBudget(encoder: Tiktoken, text: string, budgetMs: number): { chars: number; estimateFullMs: number } {
  const timeEncode = (chars: number) => {
    const started = performance.now();
    encoder.encode(text.slice(0, chars), [], []);
    return performance.now() - started;
  };
  timeEncode(Math.min(text.length, 500)); // JIT
  let chars = Math.min(text.length, 1_000);
  let ms = Math.max(0.05, timeEncode(chars));
  let previous: { chars: number; ms: number } | undefined;
  while (chars < text.length && ms < budgetMs / 8) {
    previous = { chars, ms };
    chars = Math.min(text.length, chars * 2);
    ms = Math.max(previous.ms, timeEncode(chars));
  }
  const exponent = previous
    ? Math.min(3, Math.max(1, Math.log(ms / previous.ms) / Math.log(chars / previous.chars)))
    : 2;
  const estimateFullMs = ms * (text.length / chars) ** exponent;
  if (chars === text.length && ms <= budgetMs) return { chars, estimateFullMs: ms };
  if (estimateFullMs <= budgetMs / 2) return { chars: text.length, estimateFullMs };
  return {
    chars: Math.min(text.length, Math.max(chars, Math.floor(chars * (budgetMs / ms) ** (1 / 3)))),
    estimateFullMs,
  };
}

export async function runB5(ctx: BenchContext): Promise<{ rows: Row[]; settings: B5Settings }> {
  const s: B5Settings = {
    cases: [
      { name: '60,000 identical chars', chars: 60_000 },
      { name: '10,000-char single word', chars: 10_000 },
      { name: 'special tokens (60,000 chars)', chars: 60_000 },
    ],
    targetBlockMs: 50,
    baselineBudgetMs: ctx.quick ? 1_000 : 15_000,
  };
  warmUpTokenizer();
  const encoder = new Tiktoken(o200k_base);
  const texts = ['a'.repeat(60_000), randomWord(10_000), specialTokens(60_000)];
  const rows: Row[] = [];
  for (const [index, testCase] of s.cases.entries()) {
    const text = texts[index]!;
    ctx.log(`B5 ${testCase.name}: countTokensAsync`);
    await countTokensAsync(text.slice(0, 2_000)); // JIT
    const ours = await watch(() => countTokensAsync(text));
    const cap = capForBudget(encoder, text, s.baselineBudgetMs);
    const capped = cap.chars < text.length;
    ctx.log(
      `B5 ${testCase.name}: raw encode of ${cap.chars} chars (all ${text.length}: ~${formatEstimate(cap.estimateFullMs)})`,
    );
    const input = text.slice(0, cap.chars);
    const baseline = await watch(() => encoder.encode(input, [], []).length);
    rows.push({
      id: 'B5',
      case: testCase.name,
      metric: 'longest event-loop block',
      unit: 'ms',
      value: ours.blockMs,
      baseline: baseline.blockMs,
      baselineBound: capped ? '≥' : undefined,
      target: `≤ ${s.targetBlockMs} ms`,
      met: ours.blockMs <= s.targetBlockMs,
      note:
        `ours: eld max ${ours.eldMaxMs.toFixed(1)} / tick gap ${ours.tickGapMs.toFixed(1)} ms, ${ours.tokens} tokens in ${ours.totalMs.toFixed(0)} ms total; ` +
        (capped
          ? `baseline CAPPED to the first ${cap.chars.toLocaleString('en-US')} chars (${(baseline.totalMs / 1000).toFixed(1)} s); all ${text.length.toLocaleString('en-US')} extrapolated to ~${formatEstimate(cap.estimateFullMs)}`
          : `baseline on the whole text, ${baseline.tokens} tokens`),
    });
  }
  return { rows, settings: s };
}

function formatEstimate(ms: number): string {
  if (ms < 60_000) return `${(ms / 1000).toFixed(0)} s`;
  if (ms < 3_600_000) return `${(ms / 60_000).toFixed(0)} min`;
  return `${(ms / 3_600_000).toFixed(1)} h`;
}
