/**
 * B3 — our overhead to the first visible token.
 *
 * The real bot (`startBot`: discord.js, openai SDK, SQLite in a temp dir) runs against the fake Discord and the fake
 * OpenAI. A member writes in a conversation thread; we measure from the moment the fake OpenAI writes the first
 * content chunk of the answer to the moment the fake Discord receives the bot's first message POST in that thread:
 * SSE parsing, the model client, the renderer, the edit budget, discord.js's REST queue and one loopback hop.
 * Trials run one at a time, each in its own thread (fresh per-channel bucket, nothing else in flight).
 *
 * Baseline: a raw HTTP POST round trip on loopback (fetch → node:http server → response), the floor any request to
 * Discord pays.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ChatCompletionChunk } from 'openai/resources/chat/completions';
import { startBot, type RunningBot } from '../src/app.js';
import { loadConfig } from '../src/config/config.js';
import { silentLogger } from '../src/log.js';
import { startFakeDiscord, type FakeDiscord } from '../test/fakes/discord/index.js';
import { startFakeOpenAI, type FakeOpenAI } from '../test/fakes/openai/index.js';
import { makeTempDir, sqliteUrl } from '../test/helpers/tempDir.js';
import type { Row } from './lib/report.js';
import { summarize } from './lib/stats.js';
import { pollUntil, sleep, type BenchContext } from './lib/util.js';

interface B3Settings {
  trials: number;
  warmupTrials: number;
  rttTrials: number;
  editIntervalMs: number;
  tokensPerSecond: number;
  answer: string;
  discordGlobalLimit: { limit: number; windowMs: number };
  trialTimeoutMs: number;
}

const POST_MESSAGE = 'POST /channels/{channel_id}/messages';

async function loopbackRtt(trials: number): Promise<number[]> {
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const body = '{"id":"1300000000000000001"}';
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v10/channels/1/messages`;
  const body = JSON.stringify({ content: 'Sure. ▌', allowed_mentions: { parse: [] } });
  const post = async () => {
    const started = performance.now();
    const response = await fetch(url, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', authorization: 'Bot x' },
    });
    await response.text();
    return performance.now() - started;
  };
  try {
    for (let i = 0; i < 20; i++) await post(); // connection set up, JIT warm
    const rtts: number[] = [];
    for (let i = 0; i < trials; i++) rtts.push(await post());
    return rtts;
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

export async function runB3(ctx: BenchContext): Promise<{ rows: Row[]; settings: B3Settings }> {
  const s: B3Settings = {
    trials: ctx.quick ? 10 : 40,
    warmupTrials: 2,
    rttTrials: ctx.quick ? 100 : 400,
    editIntervalMs: 250,
    tokensPerSecond: 50,
    answer: 'Sure. Here is the short answer you asked for, in one sentence.',
    discordGlobalLimit: { limit: 50, windowMs: 1_000 },
    trialTimeoutMs: 10_000,
  };
  const temp = makeTempDir('bench-b3-');
  const firstChunks: Array<{ id: string; at: number }> = [];
  const seen = new Set<string>();
  let discord: FakeDiscord | undefined;
  let openai: FakeOpenAI | undefined;
  let bot: RunningBot | undefined;
  const overheads: number[] = [];
  let timeouts = 0;
  try {
    discord = await startFakeDiscord({ rateLimits: { global: s.discordGlobalLimit }, validateResponses: false });
    openai = await startFakeOpenAI({
      answer: () => s.answer,
      tokensPerSecond: s.tokensPerSecond,
      chunkTokens: 1,
      validate: false,
      // Called right before each chunk is serialised and written: the first content chunk's write time.
      transformChunk: (chunk: ChatCompletionChunk) => {
        if (chunk.choices[0]?.delta?.content && !seen.has(chunk.id)) {
          seen.add(chunk.id);
          firstChunks.push({ id: chunk.id, at: Date.now() });
        }
        return chunk;
      },
    });
    const config = loadConfig({
      DISCORD_TOKEN: discord.botToken,
      DISCORD_API_BASE: discord.apiUrl,
      DISCORD_GUILD_ID: discord.ids.guildId,
      OPENAI_API_KEY: 'sk-bench-not-a-real-key',
      OPENAI_BASE_URL: openai.url,
      DATABASE_URL: sqliteUrl(temp.dir),
      EDIT_INTERVAL_MS: String(s.editIntervalMs),
      USER_MESSAGES_PER_MINUTE: '0',
      LOG_LEVEL: 'silent',
    });
    bot = await startBot(config, silentLogger());
    const total = s.warmupTrials + s.trials;
    ctx.log(`B3 bot ready; ${total} turns, one at a time`);
    const threads = Array.from({ length: total }, (_, i) =>
      discord!.createThreadAsMember({ name: `question ${i + 1}` }),
    );
    const client = bot.client;
    if (!(await pollUntil(() => threads.every((t) => client.channels.cache.has(t.id)), 10_000))) {
      throw new Error('threads did not reach the bot');
    }
    // Each thread already holds a conversation (as after /chat): a plain member message starts a turn.
    for (const thread of threads) {
      await bot.store.createThread({
        threadId: thread.id,
        guildId: discord.ids.guildId,
        channelId: thread.parentId,
        creatorId: discord.ids.memberUserId,
        createdAt: Date.now(),
      });
    }

    for (let i = 0; i < total; i++) {
      const thread = threads[i]!;
      const before = Date.now();
      discord.sendMessage({ channelId: thread.id, content: `Question ${i + 1}: what is the answer?` });
      const firstPost = () =>
        discord!.requests.find((r) => r.route === POST_MESSAGE && r.params.channel_id === thread.id && r.at >= before);
      const chunk = () => firstChunks.find((c) => c.at >= before);
      const answered = await pollUntil(() => firstPost() !== undefined && chunk() !== undefined, s.trialTimeoutMs, 2);
      if (!answered) {
        timeouts++;
        continue;
      }
      if (i >= s.warmupTrials) overheads.push(firstPost()!.at - chunk()!.at);
      // Let the turn finish (final edit) so the next trial runs alone.
      await pollUntil(
        () => {
          const mine = discord!.botMessagesIn(thread.id);
          return mine.length > 0 && mine.every((m) => !m.current.content.includes('▌'));
        },
        s.trialTimeoutMs,
        10,
      );
      await sleep(20);
    }
  } finally {
    await bot?.stop(5_000).catch(() => undefined);
    await openai?.close();
    await discord?.close();
    temp.remove();
  }
  ctx.log('B3 baseline: raw loopback POST round trips');
  const rtt = summarize(await loopbackRtt(s.rttTrials));
  const ours = summarize(overheads);
  const note = `${ours.n} turns (min ${ours.min} / max ${ours.max} ms; Date.now() resolution ±1 ms)${timeouts ? `; ${timeouts} turns timed out` : ''}`;
  const rows: Row[] = [
    {
      id: 'B3',
      case: 'first upstream token → first POST',
      metric: 'overhead p50',
      unit: 'ms',
      value: ours.p50,
      baseline: rtt.p50,
      note,
    },
    {
      id: 'B3',
      case: 'first upstream token → first POST',
      metric: 'overhead p95',
      unit: 'ms',
      value: ours.p95,
      baseline: rtt.p95,
      note: `baseline: ${rtt.n} raw loopback POST round trips (fetch, keep-alive), min ${rtt.min.toFixed(2)} ms`,
    },
  ];
  return { rows, settings: s };
}
