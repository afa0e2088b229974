/**
 * B4 — building a request for a long thread.
 *
 * Real SQLite store (temp dir) holding threads of N turns (user and assistant alternating, 50–300 tokens each,
 * counts stored with each turn as the bot stores them).
 *
 * - ours: what ConversationService.prepare does for the history: read the thread record, `loadHistoryWindow`
 *   (newest turns first, page by page, stored counts only) and assemble the messages.
 * - baseline: load every turn and re-tokenize every message on each turn, then fit the newest turns into the
 *   same budget and assemble the same messages.
 */
import { loadHistoryWindow } from '../src/conversation/historyWindow.js';
import { DEFAULT_SYSTEM_PROMPT } from '../src/config/config.js';
import type { ChatMessage } from '../src/llm/modelClient.js';
import { openStore, type KeyvStore } from '../src/store/keyvStore.js';
import { textTurn, turnText, type ThreadMeta, type Turn } from '../src/store/types.js';
import {
  countTokens,
  countTokensAsync,
  TOKENS_PER_MESSAGE,
  TOKENS_PER_REPLY,
  warmUpTokenizer,
} from '../src/tokens/tokenCounter.js';
import { makeTempDir, sqliteUrl } from '../test/helpers/tempDir.js';
import type { Row } from './lib/report.js';
import { median } from './lib/stats.js';
import { prose, seededRandom, type BenchContext } from './lib/util.js';

interface B4Settings {
  sizes: number[];
  turnTokens: [number, number];
  /** The app's defaults: CONTEXT_TOKENS and MAX_COMPLETION_TOKENS. */
  contextTokens: number;
  maxCompletionTokens: number;
  /** Per size and path: stop after this many iterations or this much time, whichever comes first (≥ 3 runs). */
  maxIterations: number;
  maxMsPerPath: number;
  /** Turns written per commit while filling the store. */
  commitBatch: number;
}

const USER_MESSAGE = 'Can you summarise what we decided about the retry policy, and what is still open?';

interface Built {
  messages: ChatMessage[];
  promptTokens: number;
}

/** Generate a thread of `n` turns with realistic sizes; counts are stored with each turn, as the bot stores them. */
async function fillThread(
  store: KeyvStore,
  threadId: string,
  n: number,
  s: B4Settings,
  seed: number,
): Promise<ThreadMeta> {
  const random = seededRandom(seed);
  let meta = await store.createThread({
    threadId,
    guildId: '876543210987654321',
    channelId: '876543210987654322',
    creatorId: '123456789012345678',
    createdAt: Date.now(),
  });
  for (let start = 0; start < n; start += s.commitBatch) {
    const batch: Turn[] = [];
    for (let i = start; i < Math.min(n, start + s.commitBatch); i++) {
      const [low, high] = s.turnTokens;
      // Words here average a little over one token each: aim the word count at the token range.
      const content = prose(random, Math.round((low + random() * (high - low)) * 0.8));
      batch.push(
        textTurn({
          role: i % 2 === 0 ? 'user' : 'assistant',
          text: content,
          authorId: i % 2 === 0 ? '123456789012345678' : '223456789012345678',
          messageIds: ['1300000000000000001'],
          tokens: countTokens(content),
          at: Date.now(),
        }),
      );
    }
    meta = await store.commitTurns(meta, batch);
  }
  return meta;
}

/** Ours: the history part of ConversationService.prepare. */
async function buildOurs(store: KeyvStore, threadId: string, room: number, fixed: number): Promise<Built> {
  const meta = await store.getThread(threadId);
  if (!meta) throw new Error(`no thread ${threadId}`);
  const userTokens = await countTokensAsync(USER_MESSAGE);
  const window = await loadHistoryWindow(store, meta, room - userTokens);
  const messages: ChatMessage[] = [{ role: 'system', content: DEFAULT_SYSTEM_PROMPT }];
  for (const turn of window.turns) messages.push({ role: turn.role, content: turnText(turn) });
  messages.push({ role: 'user', content: USER_MESSAGE });
  return { messages, promptTokens: fixed + userTokens + window.tokens };
}

/** Baseline: read the whole thread and count every message again, then keep the newest whole exchanges that fit. */
async function buildBaseline(store: KeyvStore, threadId: string, room: number, fixed: number): Promise<Built> {
  const meta = await store.getThread(threadId);
  if (!meta) throw new Error(`no thread ${threadId}`);
  const turns = await store.getTurns(meta, 0, meta.turnCount);
  const counts = turns.map((turn) => countTokens(turnText(turn)) + TOKENS_PER_MESSAGE);
  const userTokens = countTokens(USER_MESSAGE);
  const budget = room - userTokens;
  let start = turns.length;
  let used = 0;
  let unit = 0;
  for (let i = turns.length - 1; i >= 0; i--) {
    unit += counts[i]!;
    const startsUnit = turns[i]!.role === 'user' && (i === 0 || turns[i - 1]!.role === 'assistant');
    if (!startsUnit) continue;
    if (used + unit > budget) break;
    used += unit;
    start = i;
    unit = 0;
  }
  const messages: ChatMessage[] = [{ role: 'system', content: DEFAULT_SYSTEM_PROMPT }];
  for (const turn of turns.slice(start)) messages.push({ role: turn.role, content: turnText(turn) });
  messages.push({ role: 'user', content: USER_MESSAGE });
  return { messages, promptTokens: fixed + userTokens + used };
}

async function time(
  fn: () => Promise<Built>,
  s: B4Settings,
): Promise<{ medianMs: number; runs: number; built: Built }> {
  let built = await fn(); // warm: SQLite page cache, JIT
  const times: number[] = [];
  const deadline = performance.now() + s.maxMsPerPath;
  while (times.length < 3 || (times.length < s.maxIterations && performance.now() < deadline)) {
    const started = performance.now();
    built = await fn();
    times.push(performance.now() - started);
  }
  return { medianMs: median(times), runs: times.length, built };
}

export async function runB4(ctx: BenchContext): Promise<{ rows: Row[]; settings: B4Settings }> {
  const s: B4Settings = {
    sizes: ctx.quick ? [10, 100, 1_000, 2_000] : [10, 100, 1_000, 5_000],
    turnTokens: [50, 300],
    contextTokens: 16_000,
    maxCompletionTokens: 1_024,
    maxIterations: ctx.quick ? 10 : 30,
    maxMsPerPath: ctx.quick ? 500 : 3_000,
    commitBatch: 250,
  };
  warmUpTokenizer();
  const temp = makeTempDir('bench-b4-');
  const store = await openStore(sqliteUrl(temp.dir));
  const rows: Row[] = [];
  try {
    const fixed = countTokens(DEFAULT_SYSTEM_PROMPT) + TOKENS_PER_MESSAGE + TOKENS_PER_MESSAGE + TOKENS_PER_REPLY;
    const room = s.contextTokens - s.maxCompletionTokens - fixed;
    const ours: number[] = [];
    for (const [index, n] of s.sizes.entries()) {
      const threadId = `30000000000000${String(index).padStart(4, '0')}`;
      const filled = performance.now();
      await fillThread(store, threadId, n, s, 40 + index);
      ctx.log(`B4 ${n} turns stored in ${((performance.now() - filled) / 1000).toFixed(1)} s; timing`);
      const our = await time(() => buildOurs(store, threadId, room, fixed), s);
      const base = await time(() => buildBaseline(store, threadId, room, fixed), s);
      ours.push(our.medianMs);
      const same =
        our.built.messages.length === base.built.messages.length && our.built.promptTokens === base.built.promptTokens;
      rows.push({
        id: 'B4',
        case: `${n.toLocaleString('en-US')} turns`,
        metric: 'build request (median)',
        unit: 'ms',
        value: our.medianMs,
        baseline: base.medianMs,
        ...(n === 1_000 ? { target: 'ratio ≤ 0.02 (≥ 50× faster)', met: our.medianMs * 50 <= base.medianMs } : {}),
        note:
          `${our.built.messages.length - 2} history turns sent, ${our.built.promptTokens} prompt tokens; ${our.runs} / ${base.runs} runs` +
          (same ? '' : `; baseline built ${base.built.messages.length - 2} turns / ${base.built.promptTokens} tokens`),
      });
    }
    // Flat = no growth once the window is full and read in whole pages: compare the largest thread with 1,000 turns
    // (100 turns read fewer turns, 100 instead of two pages of 64, so it is a less fair reference).
    const at = (n: number) => ours[s.sizes.indexOf(n)];
    const reference = at(1_000);
    const largest = ours[ours.length - 1];
    const largestSize = s.sizes[s.sizes.length - 1]!;
    if (reference !== undefined && largest !== undefined && largestSize > 1_000) {
      const growth = largest / reference;
      const hundred = at(100);
      rows.push({
        id: 'B4',
        case: `${largestSize.toLocaleString('en-US')} vs 1,000 turns`,
        metric: 'ours: cost growth',
        unit: 'ratio',
        value: growth,
        target: '≤ 1.5× (flat)',
        met: growth <= 1.5,
        note:
          `median time at ${largestSize.toLocaleString('en-US')} turns ÷ at 1,000` +
          (hundred === undefined
            ? ''
            : `; ÷ at 100 turns: ${(largest / hundred).toFixed(2)}× (100 turns read 100 turns, longer threads two pages of 64)`),
      });
    }
  } finally {
    await store.close();
    temp.remove();
  }
  return { rows, settings: s };
}
