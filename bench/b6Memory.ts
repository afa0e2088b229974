/**
 * B6 — memory with many stored threads and many active conversations.
 *
 * Runs in a child process (`node --import tsx --expose-gc bench/b6Memory.ts`) so its RSS holds only the bot's side:
 * the fake OpenAI runs in the parent. The child fills SQLite with N stored threads (a few turns each), then starts
 * M conversations at once through the real ConversationService (real model client and SDK against the fake, shared
 * EditBudget at the app's 40 writes/s, recording sinks instead of Discord) and measures RSS and heap after a forced
 * GC: idle (after imports and the tokenizer), with the threads stored, while every conversation is streaming, and
 * after they finished; plus the peak RSS sampled every 50 ms while they ran.
 */
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Row } from './lib/report.js';
import type { BenchContext } from './lib/util.js';

interface B6Settings {
  storedThreads: number;
  turnsPerThread: number;
  activeConversations: number;
  answerTokens: number;
  tokensPerSecond: number;
  editWritesPerSecond: number;
  targetRssMb: number;
  childTimeoutMs: number;
}

interface Snapshot {
  rssMb: number;
  heapUsedMb: number;
  heapTotalMb: number;
  externalMb: number;
}

interface ChildResult {
  gcAvailable: boolean;
  /** Node + tsx loader, before the bot's modules. */
  runtime: Snapshot;
  /** After importing the bot's modules (discord.js, openai, keyv, …). */
  modules: Snapshot;
  /** After building the tokenizer: the idle bot. */
  idle: Snapshot;
  stored: Snapshot;
  active: Snapshot;
  after: Snapshot;
  peakRssMb: number;
  peakHeapUsedMb: number;
  fillMs: number;
  /** Conversations that had their first token when `active` was taken. */
  streamingAtSnapshot: number;
  outcomes: Record<string, number>;
  finished: boolean;
}

const RESULT_PREFIX = 'B6RESULT ';
const SELF = fileURLToPath(import.meta.url);

// ---------------------------------------------------------------------------------------------------------------
// Child

async function child(): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  const mb = (bytes: number) => Math.round((bytes / 1_048_576) * 10) / 10;
  const snapshot = (): Snapshot => {
    gc?.();
    gc?.();
    const m = process.memoryUsage();
    return { rssMb: mb(m.rss), heapUsedMb: mb(m.heapUsed), heapTotalMb: mb(m.heapTotal), externalMb: mb(m.external) };
  };
  // Node plus the tsx loader (as `npm start` runs the bot), before any of the bot's modules.
  const runtime = snapshot();
  const { ConversationService } = await import('../src/conversation/conversationService.js');
  const { createModelClient } = await import('../src/llm/modelClient.js');
  const { silentLogger } = await import('../src/log.js');
  const { EditBudget } = await import('../src/render/editBudget.js');
  const { openStore } = await import('../src/store/keyvStore.js');
  const { countTokens, warmUpTokenizer } = await import('../src/tokens/tokenCounter.js');
  const { textTurn } = await import('../src/store/types.js');
  const { RecordingSink } = await import('../test/helpers/recordingSink.js');
  const { makeTempDir, sqliteUrl } = await import('../test/helpers/tempDir.js');
  const { testTurnSettings } = await import('../test/helpers/testConfig.js');
  const { prose, seededRandom, sleep, pollUntil } = await import('./lib/util.js');
  type Turn = import('../src/store/types.js').Turn;
  type ChatModel = import('../src/conversation/ports.js').ChatModel;

  const env = (name: string) => {
    const value = process.env[name];
    if (value === undefined) throw new Error(`${name} is not set`);
    return value;
  };
  const s = JSON.parse(env('B6_SETTINGS')) as B6Settings;
  const openaiUrl = env('B6_OPENAI_URL');
  const modules = snapshot();
  warmUpTokenizer(); // the bot builds the encoder at start
  const idle = snapshot();

  const temp = makeTempDir('bench-b6-');
  const store = await openStore(sqliteUrl(temp.dir));
  const random = seededRandom(6);
  const texts = Array.from({ length: 64 }, () => prose(random, 40 + Math.floor(random() * 160)));
  const threadId = (i: number) => `31${String(i).padStart(16, '0')}`;
  const userId = (i: number) => `12${String(i).padStart(16, '0')}`;
  const filled = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: 50 }, async () => {
      for (let i = next++; i < s.storedThreads; i = next++) {
        const meta = await store.createThread({ threadId: threadId(i), guildId: '876543210987654321', channelId: '876543210987654322', creatorId: userId(i), createdAt: Date.now() });
        const turns: Turn[] = Array.from({ length: s.turnsPerThread }, (_, k) => {
          const content = texts[(i + k) % texts.length]!;
          return textTurn({ role: k % 2 === 0 ? 'user' : 'assistant', text: content, authorId: userId(i), messageIds: [], tokens: countTokens(content), at: Date.now() });
        });
        await store.commitTurns(meta, turns);
      }
    }),
  );
  const fillMs = performance.now() - filled;
  const stored = snapshot();

  const model = createModelClient({
    config: {
      apiKey: 'sk-bench-not-a-real-key',
      baseURL: openaiUrl,
      model: 'gpt-4o-mini',
      rpm: 1_000_000,
      tpm: 1_000_000_000,
      moderation: false,
      useMaxTokens: false,
      prices: {},
      timeoutMs: 30_000,
      stallTimeoutMs: 20_000,
      models: ['gpt-4o-mini'], firstTokenTimeoutMs: 300_000, promptCacheKey: false, capabilities: {},
    },
    maxCompletionTokens: 256,
    usage: store,
  });
  const streaming = new Set<number>();
  const counted: ChatModel = {
    streamChat: (request, handlers = {}) => {
      const index = Number(request.userId.slice(2));
      return model.streamChat(request, {
        ...handlers,
        onDelta: (text) => {
          streaming.add(index);
          handlers.onDelta?.(text);
        },
      });
    },
    complete: (request) => model.complete(request),
    moderate: (text, signal) => model.moderate(text, signal),
  };
  const budget = new EditBudget({ perSecond: s.editWritesPerSecond });
  const service = new ConversationService({
    store,
    model: counted,
    logger: silentLogger(),
    editBudget: budget,
    botUserId: () => '223456789012345678',
    settings: {
      model: 'gpt-4o-mini',
      contextTokens: 16_000,
      maxCompletionTokens: 256,
      maxInputChars: 8_000,
      summaryMemory: false,
      defaultSystemPrompt: 'You are a helpful assistant chatting in a Discord thread.',
      editIntervalMs: 1_000,
      userMessagesPerMinute: 0,
      guildDailyTokens: 0,
      ...testTurnSettings,
    },
  });

  let peakRss = 0;
  let peakHeap = 0;
  const sampler = setInterval(() => {
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed);
  }, 50);
  const outcomes: Record<string, number> = {};
  const turns = Array.from({ length: s.activeConversations }, (_, i) => {
    // Spread the active conversations over the stored threads.
    const thread = Math.floor((i * s.storedThreads) / s.activeConversations);
    return service
      .answer(
        { threadId: threadId(thread), guildId: '876543210987654321', channelId: '876543210987654322', userId: userId(i), content: `Follow-up question ${i}: and what about the retries?` },
        new RecordingSink(),
      )
      .then((outcome) => {
        outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
      });
  });
  let done = false;
  void Promise.all(turns).then(() => {
    done = true;
  });
  await pollUntil(() => streaming.size >= s.activeConversations || done, s.childTimeoutMs / 3, 20);
  const streamingAtSnapshot = streaming.size;
  const active = snapshot();
  const finished = await pollUntil(() => done, s.childTimeoutMs / 2, 50);
  clearInterval(sampler);
  await sleep(100);
  const after = snapshot();
  budget.dispose();
  await model.close();
  await store.close().catch(() => undefined);
  temp.remove();
  const result: ChildResult = {
    gcAvailable: gc !== undefined,
    runtime,
    modules,
    idle,
    stored,
    active,
    after,
    peakRssMb: mb(peakRss),
    peakHeapUsedMb: mb(peakHeap),
    fillMs,
    streamingAtSnapshot,
    outcomes,
    finished,
  };
  process.stdout.write(`${RESULT_PREFIX}${JSON.stringify(result)}\n`);
}

// ---------------------------------------------------------------------------------------------------------------
// Parent

function runChild(settings: B6Settings, openaiUrl: string): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['--import', 'tsx', '--expose-gc', SELF], {
      cwd: join(dirname(SELF), '..'),
      env: { ...process.env, B6_CHILD: '1', B6_SETTINGS: JSON.stringify(settings), B6_OPENAI_URL: openaiUrl },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    proc.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const timer = setTimeout(() => proc.kill('SIGKILL'), settings.childTimeoutMs);
    proc.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    proc.on('exit', (code, signal) => {
      clearTimeout(timer);
      const line = stdout.split('\n').find((l) => l.startsWith(RESULT_PREFIX));
      if (line) {
        resolve(JSON.parse(line.slice(RESULT_PREFIX.length)) as ChildResult);
        return;
      }
      reject(new Error(`B6 child ended (${signal ?? `code ${code}`}) without a result: ${stderr.slice(-2_000)}`));
    });
  });
}

export async function runB6(ctx: BenchContext): Promise<{ rows: Row[]; settings: B6Settings }> {
  const s: B6Settings = ctx.quick
    ? { storedThreads: 1_000, turnsPerThread: 4, activeConversations: 50, answerTokens: 40, tokensPerSecond: 10, editWritesPerSecond: 40, targetRssMb: 200, childTimeoutMs: 40_000 }
    : { storedThreads: 10_000, turnsPerThread: 4, activeConversations: 500, answerTokens: 40, tokensPerSecond: 10, editWritesPerSecond: 40, targetRssMb: 200, childTimeoutMs: 120_000 };
  // Imported here, not at the top: the child loads this file too and must not carry the fake in its RSS.
  const { startFakeOpenAI } = await import('../test/fakes/openai/index.js');
  const answer = 'Retries follow the same policy: two more attempts, waiting as long as the server asks, then a clear notice in the thread.';
  const fake = await startFakeOpenAI({
    answer: () => answer.split(' ').slice(0, s.answerTokens).join(' '),
    tokensPerSecond: s.tokensPerSecond,
    chunkTokens: 4,
    validate: false,
  });
  let result: ChildResult;
  try {
    ctx.log(`B6 child: ${s.storedThreads} stored threads, ${s.activeConversations} active conversations`);
    result = await runChild(s, fake.url);
  } finally {
    await fake.close();
  }
  ctx.log(`B6 child: filled in ${(result.fillMs / 1000).toFixed(1)} s; outcomes ${JSON.stringify(result.outcomes)}`);
  const name = `${s.storedThreads.toLocaleString('en-US')} stored / ${s.activeConversations} active`;
  const gcNote = result.gcAvailable ? 'after forced GC' : 'gc() unavailable: no forced GC';
  const rows: Row[] = [
    {
      id: 'B6',
      case: 'idle bot (no threads)',
      metric: 'RSS',
      unit: 'MB',
      value: result.idle.rssMb,
      note:
        `${gcNote}; node + tsx loader ${result.runtime.rssMb} MB, + modules (discord.js, openai, keyv…) ${result.modules.rssMb} MB, ` +
        `+ o200k tokenizer ${result.idle.rssMb} MB (heap ${result.modules.heapUsedMb} → ${result.idle.heapUsedMb} MB)`,
    },
    {
      id: 'B6',
      case: name,
      metric: 'RSS, threads stored',
      unit: 'MB',
      value: result.stored.rssMb,
      note: `${gcNote}; filling SQLite (${s.turnsPerThread} turns per thread) took ${(result.fillMs / 1000).toFixed(1)} s`,
    },
    {
      id: 'B6',
      case: name,
      metric: 'RSS, all conversations streaming',
      unit: 'MB',
      value: result.active.rssMb,
      target: `≤ ${s.targetRssMb} MB`,
      met: result.active.rssMb <= s.targetRssMb,
      note: `${gcNote}; ${result.streamingAtSnapshot} of ${s.activeConversations} had their first token at the snapshot`,
    },
    {
      id: 'B6',
      case: name,
      metric: 'peak RSS while active',
      unit: 'MB',
      value: result.peakRssMb,
      target: `≤ ${s.targetRssMb} MB`,
      met: result.peakRssMb <= s.targetRssMb,
      note: `sampled every 50 ms, no forced GC; outcomes ${JSON.stringify(result.outcomes)}${result.finished ? '' : ' (NOT all finished in time)'}`,
    },
    {
      id: 'B6',
      case: name,
      metric: 'heap used, all streaming',
      unit: 'MB',
      value: result.active.heapUsedMb,
      note: `idle ${result.idle.heapUsedMb} MB; peak ${result.peakHeapUsedMb} MB; after the turns ended ${result.after.heapUsedMb} MB heap, ${result.after.rssMb} MB RSS`,
    },
  ];
  return { rows, settings: s };
}

if (process.env.B6_CHILD === '1' && process.argv[1] === SELF) {
  child().then(
    () => process.exit(0),
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exit(1);
    },
  );
}
