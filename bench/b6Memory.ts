/**
 * B6 — memory of the compiled bot with many stored threads and many conversations streaming, plus a soak.
 *
 * The bot runs in a child process as `npm start` runs it: `node --expose-gc` on dist/ (built here with
 * `npm run build`), no TypeScript loader; bench/lib/b6Child.mjs calls startBot and answers snapshot requests over IPC
 * (RSS and heap after a forced GC). The fakes run here, in the parent: a real discord.js gateway + REST session to
 * the fake Discord, the real openai SDK to the fake OpenAI, real SQLite prefilled with N stored threads.
 * Phases: idle (bot logged in, threads stored) → M conversations streaming at once (M members, each asking in a
 * thread of their own, answers paced by the app's 40 writes/s budget) → after they ended → soak: K more turns
 * through the bot's turn path (each in a thread of its own; Discord writes to a null sink, so REST pacing does not
 * set the pace), RSS after K vs after the first 500.
 * Baseline in the same run: the same bot from src/ through tsx (how `npm start` ran before), same phases but no soak.
 * Tokenizer: the o200k encoder as the bot builds it (counting only) vs js-tiktoken's stock constructor, each in a
 * fresh process.
 */
import { execFileSync, fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { b6Rows, type B6Settings, type BotRun, type Snapshot } from './lib/b6Report.js';
import { tokenizerCost } from './lib/b6Tokenizer.js';
import type { Row } from './lib/report.js';
import { pollUntil, prose, seededRandom, type BenchContext } from './lib/util.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const CHILD = join(ROOT, 'bench/lib/b6Child.mjs');

/** The node flags `npm start` passes (package.json "start": `node <flags> dist/src/main.js`), so B6 measures those. */
function startFlags(): string[] {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } };
  const words = pkg.scripts.start.trim().split(/\s+/);
  const script = words.findIndex((w) => w.endsWith('.js'));
  return words.slice(1, script);
}

interface ChildHandle {
  ready: { snapshots: Record<'runtime' | 'modules' | 'tokenizer' | 'idle', Snapshot>; gcAvailable: boolean };
  ask<T>(message: Record<string, unknown>): Promise<T>;
  stop(): Promise<void>;
}

function startChild(
  variant: 'compiled' | 'tsx',
  botEnv: Record<string, string>,
  timeoutMs: number,
): Promise<ChildHandle> {
  // The baseline runs as `npm start` did before (tsx, no flags); the compiled bot with the flags `npm start` uses.
  const execArgv = variant === 'tsx' ? ['--import', 'tsx', '--expose-gc'] : [...startFlags(), '--expose-gc'];
  const proc = fork(CHILD, [], {
    cwd: ROOT,
    execArgv,
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    env: {
      PATH: process.env.PATH ?? '',
      B6_ROOT: ROOT,
      B6_ENTRY: variant === 'tsx' ? 'src' : 'dist',
      B6_BOT_ENV: JSON.stringify(botEnv),
    },
  });
  let stderr = '';
  proc.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4_000);
  });
  const killer = setTimeout(() => proc.kill('SIGKILL'), timeoutMs);
  let nextId = 0;
  const pending = new Map<number, (value: unknown) => void>();
  return new Promise((resolve, reject) => {
    proc.once('exit', (code, signal) => {
      clearTimeout(killer);
      reject(new Error(`B6 ${variant} bot ended (${signal ?? `code ${code}`}): ${stderr}`));
      for (const settle of pending.values()) settle({ error: `bot exited: ${stderr}` });
    });
    proc.on('message', (raw) => {
      const message = raw as { type?: string; id?: number } & ChildHandle['ready'];
      if (message.type === 'ready') {
        resolve({
          ready: message,
          ask: <T>(request: Record<string, unknown>) =>
            new Promise<T>((settle) => {
              const id = nextId++;
              pending.set(id, settle as (value: unknown) => void);
              proc.send({ ...request, id });
            }),
          stop: () =>
            new Promise<void>((done) => {
              proc.once('exit', () => done());
              proc.send({ type: 'stop' });
            }),
        });
        return;
      }
      pending.get(message.id ?? -1)?.(message);
      pending.delete(message.id ?? -1);
    });
  });
}

async function fillStore(
  dbDir: string,
  activeIds: string[],
  s: B6Settings,
  discordIds: { guildId: string; channelId: string },
) {
  const { openStore } = await import('../src/store/keyvStore.js');
  const { textTurn } = await import('../src/store/types.js');
  const { countTokens } = await import('../src/tokens/tokenCounter.js');
  const { sqliteUrl } = await import('../test/helpers/tempDir.js');
  const store = await openStore(sqliteUrl(dbDir));
  const random = seededRandom(6);
  const texts = Array.from({ length: 64 }, () => prose(random, 40 + Math.floor(random() * 160)));
  const threadId = (i: number) => activeIds[i] ?? `31${String(i).padStart(16, '0')}`;
  let next = 0;
  await Promise.all(
    Array.from({ length: 50 }, async () => {
      for (let i = next++; i < s.storedThreads; i = next++) {
        const meta = await store.createThread({
          threadId: threadId(i),
          guildId: discordIds.guildId,
          channelId: discordIds.channelId,
          creatorId: '120000000000000001',
          createdAt: Date.now(),
        });
        await store.commitTurns(
          meta,
          Array.from({ length: s.turnsPerThread }, (_, k) => {
            const text = texts[(i + k) % texts.length]!;
            return textTurn({
              role: k % 2 === 0 ? 'user' : 'assistant',
              text,
              authorId: '120000000000000001',
              messageIds: [],
              tokens: countTokens(text),
              at: Date.now(),
            });
          }),
        );
      }
    }),
  );
  await store.close();
}

/** One bot process through idle → M streaming → after (→ soak for the compiled bot). */
async function runBot(variant: 'compiled' | 'tsx', s: B6Settings, ctx: BenchContext): Promise<BotRun> {
  const { startFakeDiscord } = await import('../test/fakes/discord/index.js');
  const { startFakeOpenAI } = await import('../test/fakes/openai/index.js');
  const { makeTempDir, sqliteUrl } = await import('../test/helpers/tempDir.js');
  const temp = makeTempDir('bench-b6-');
  const discord = await startFakeDiscord({ validateResponses: false });
  const words = 'Retries follow the same policy: two more attempts, waiting as long as the server asks, then a notice.';
  const openai = await startFakeOpenAI({
    answer: () => words.split(' ').slice(0, s.answerTokens).join(' '),
    tokensPerSecond: s.tokensPerSecond,
    chunkTokens: 1,
    validate: false,
  });
  try {
    const threads = Array.from(
      { length: s.activeConversations },
      (_, i) => discord.createThreadAsMember({ name: `question ${i}` }).id,
    );
    const members = Array.from(
      { length: s.activeConversations },
      (_, i) => discord.addMember({ username: `m${i}` }).id,
    );
    const filled = performance.now();
    await fillStore(temp.dir, threads, s, { guildId: discord.ids.guildId, channelId: discord.ids.textChannelId });
    const fillMs = performance.now() - filled;
    const botEnv = {
      DISCORD_TOKEN: discord.botToken,
      DISCORD_API_BASE: discord.apiUrl,
      OPENAI_API_KEY: 'sk-bench-not-a-real-key',
      OPENAI_BASE_URL: openai.url,
      DATABASE_URL: sqliteUrl(temp.dir),
      OPENAI_RPM: '1000000',
      OPENAI_TPM: '1000000000',
      USER_MESSAGES_PER_MINUTE: '0',
      CATCH_UP_MINUTES: '0',
      LOG_LEVEL: 'silent',
      OPENAI_TIMEOUT_MS: '60000',
      OPENAI_STALL_TIMEOUT_MS: '30000',
    };
    const bot = await startChild(variant, botEnv, s.childTimeoutMs);
    const snap = async () => (await bot.ask<{ snapshot: Snapshot }>({ type: 'snapshot' })).snapshot;
    const stored = await snap();
    ctx.log(`B6 ${variant}: ready, ${s.storedThreads} threads stored; ${s.activeConversations} members ask`);
    threads.forEach((channelId, i) => {
      discord.sendMessage({ channelId, authorId: members[i], content: `Follow-up ${i}?` });
    });
    const allStreaming = await pollUntil(() => openai.chatRequests().length >= s.activeConversations, 60_000, 50);
    const streamingAtSnapshot = openai.chatRequests().length;
    const active = await snap();
    const answered = (t: string) =>
      discord
        .botMessagesIn(t)
        .some((m) => m.current.content.startsWith(words.slice(0, 20)) && !m.current.content.includes('▌'));
    const finished = await pollUntil(() => threads.every(answered), s.childTimeoutMs / 3, 200);
    const after = await snap();
    let soak: BotRun['soak'];
    if (variant === 'compiled') {
      openai.setTiming({ tokensPerSecond: 0 });
      const threadIds = Array.from(
        { length: s.soakTurns },
        (_, i) =>
          `31${String(s.activeConversations + (i % (s.storedThreads - s.activeConversations))).padStart(16, '0')}`,
      );
      ctx.log(`B6 ${variant}: soak of ${s.soakTurns} turns`);
      soak = await bot.ask({
        type: 'soak',
        turns: s.soakTurns,
        checkpoint: s.soakCheckpoint,
        concurrency: 25,
        threadIds,
        guildId: discord.ids.guildId,
        channelId: discord.ids.textChannelId,
      });
    }
    await bot.stop();
    return {
      variant,
      gcAvailable: bot.ready.gcAvailable,
      ...bot.ready.snapshots,
      stored,
      active,
      after,
      fillMs,
      streamingAtSnapshot,
      allStreaming,
      finished,
      soak,
    };
  } finally {
    await openai.close();
    await discord.close();
    temp.remove();
  }
}

export async function runB6(ctx: BenchContext): Promise<{ rows: Row[]; settings: B6Settings }> {
  const s: B6Settings = ctx.quick
    ? {
        storedThreads: 1_000,
        turnsPerThread: 4,
        activeConversations: 50,
        answerTokens: 16,
        tokensPerSecond: 2,
        soakTurns: 400,
        soakCheckpoint: 200,
        targetRssMb: 200,
        childTimeoutMs: 120_000,
      }
    : {
        storedThreads: 10_000,
        turnsPerThread: 4,
        activeConversations: 500,
        answerTokens: 16,
        tokensPerSecond: 1,
        soakTurns: 5_000,
        soakCheckpoint: 500,
        targetRssMb: 200,
        childTimeoutMs: 300_000,
      };
  ctx.log('B6: npm run build');
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: 'ignore' });
  const tokenizer = tokenizerCost(ROOT);
  const compiled = await runBot('compiled', s, ctx);
  const tsx = await runBot('tsx', s, ctx);
  return { rows: b6Rows(s, compiled, tsx, tokenizer), settings: s };
}
