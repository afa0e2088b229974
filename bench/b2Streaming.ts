/**
 * B2 — streaming answers into Discord under realistic rate limits.
 *
 * N answers stream at once (starts spread over the first second), each at 50 tokens/s (a token = one word here) into
 * its own thread, through a real discord.js Client into the fake Discord, which enforces Discord's observed buckets:
 * 5 message writes per 5 s per channel and 50 requests/s globally.
 *
 * - ours: `StreamRenderer` per answer, one shared `EditBudget` (the app's 40 writes/s), `threadSink(channel)`.
 * - baseline: a naive renderer that sends on the first delta and edits on every delta after (through discord.js's
 *   REST queue, which waits out buckets). Its backlog grows without bound, so it is cut off a few seconds after the
 *   last token; its staleness is then a lower bound (≥).
 *
 * Staleness = how long the oldest received-but-not-yet-visible word has been waiting, sampled every 10 ms from the
 * first token until the whole answer is visible. It is computed after the run from the fake's message versions
 * (every create/edit is kept with the time the fake applied it) and the times the words were pushed: the fake's
 * message states vs the text pushed so far, without polling the fake during the run.
 */
import {
  Client as DiscordClient,
  Events,
  GatewayIntentBits,
  Routes,
  type AnyThreadChannel,
  type Client,
} from 'discord.js';
import { setMaxListeners } from 'node:events';
import { createDiscordClient } from '../src/discord/createClient.js';
import { NO_MENTIONS, threadSink, type SendableChannel } from '../src/discord/threadSink.js';
import { DEFAULT_WRITES_PER_SECOND, EditBudget } from '../src/render/editBudget.js';
import { StreamRenderer } from '../src/render/streamRenderer.js';
import { startFakeDiscord, type FakeDiscord } from '../test/fakes/discord/index.js';
import { peerStream, type PeerKind } from './lib/peerRenderers.js';
import type { Row, Unit } from './lib/report.js';
import { jainIndex, percentileSorted } from './lib/stats.js';
import { pollUntil, prose, seededRandom, sleep, within, type BenchContext } from './lib/util.js';

interface B2Settings {
  sizes: number[];
  tokensPerSecond: number;
  answerTokens: number;
  /** The app's default EDIT_INTERVAL_MS. */
  editIntervalMs: number;
  writesPerSecond: number;
  channelBucket: { limit: number; windowMs: number };
  globalLimit: { limit: number; windowMs: number };
  /** Answers start evenly spread over this span. */
  startSpreadMs: number;
  /** Typing shown this long before the first token (time to first token). */
  ttftMs: number;
  /** The naive baseline is cut off this long after its last token. */
  baselineGraceMs: number;
  /** Bound on our renderers finishing after the last token. */
  drainTimeoutMs: number;
  sampleMs: number;
  /** Burst-start rows: conversations starting within one second, in one channel (threads created) or in threads. */
  bursts: Array<{ n: number; where: Burst }>;
}

/** `channel`: each conversation first creates its thread from a message in one channel; `threads`: threads exist. */
type Burst = 'channel' | 'threads';

const CURSOR = '▌';
const MAX_ANSWER_CHARS = 1_900;

/** One answer: its thread, its text cut into deltas (one word each), and when each delta was pushed. */
interface Stream {
  threadId: string;
  deltas: string[];
  startAt: number;
  pushTimes: number[];
  /** Called at the answer's start (typing indicator). */
  begin(): void;
  push(delta: string): void;
  /** Resolves with whether every message landed with its final content. */
  finish(): Promise<boolean>;
  finishing: boolean;
}

interface StreamStats {
  samples: number[];
  p95: number;
  /** Whole answer visible before the end of the measurement. */
  complete: boolean;
  completeAt: number | undefined;
  writes: number;
}

interface VariantResult {
  p50: number;
  p95: number;
  max: number;
  complete: boolean;
  fairness: number;
  writesPerAnswer: number;
  /** Writes the renderer asked for (naive: one per delta), per answer. */
  issuedPerAnswer: number;
  discord429: number;
  /** Which routes got the 429s, e.g. "2 × PATCH message (global)". */
  limitedRoutes: string;
  undelivered: number;
  violations: number;
  /** Smallest gap between two edit requests of one message as the fake received them (ms). */
  minEditGap: number;
  /** From the first start until every answer was fully visible (ms); Infinity when one never was. */
  allCompleteMs: number;
}

function answerDeltas(seed: number, tokens: number): string[] {
  const random = seededRandom(seed);
  const pieces = prose(random, tokens).match(/\s*\S+/g) ?? [];
  const deltas: string[] = [];
  let length = 0;
  for (const piece of pieces) {
    if (length + piece.length > MAX_ANSWER_CHARS) break;
    deltas.push(piece);
    length += piece.length;
  }
  return deltas;
}

const wordsIn = (content: string): number => (content.match(/\S+/g) ?? []).filter((w) => w !== CURSOR).length;

/** Ours goes through the bot-wide budget; the naive baseline is discord.js with its defaults. */
async function login(fake: FakeDiscord, budget: EditBudget | undefined): Promise<Client<true>> {
  const client = budget
    ? createDiscordClient(fake.apiUrl, budget)
    : new DiscordClient({
        intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages],
        rest: { api: fake.apiUrl },
      });
  const ready = new Promise<Client<true>>((resolve) => client.once(Events.ClientReady, resolve));
  await client.login(fake.botToken);
  const ok = await within(
    ready.then(() => true),
    10_000,
    false,
  );
  if (!ok) {
    await client.destroy();
    throw new Error('discord.js did not become ready against the fake within 10 s');
  }
  return client as Client<true>;
}

/** Staleness of one answer, from the fake's message versions and the push times. */
function streamStats(fake: FakeDiscord, stream: Stream, endAt: number, sampleMs: number): StreamStats {
  const messages = fake.botMessagesIn(stream.threadId, { includeDeleted: true });
  const events = messages
    .flatMap((m) => m.versions.map((v) => ({ at: v.at, id: m.id, words: wordsIn(v.content) })))
    .sort((a, b) => a.at - b.at);
  const total = stream.deltas.length;
  const first = stream.pushTimes[0];
  const writes = fake.requests.filter(
    (r) =>
      r.params.channel_id === stream.threadId &&
      r.status === 200 &&
      (r.route === 'POST /channels/{channel_id}/messages' ||
        r.route === 'PATCH /channels/{channel_id}/messages/{message_id}'),
  ).length;
  if (first === undefined) return { samples: [], p95: 0, complete: false, completeAt: undefined, writes };
  const current = new Map<string, number>();
  let visible = 0;
  let next = 0;
  let pushed = 0;
  let completeAt: number | undefined;
  const samples: number[] = [];
  for (let t = first; t <= endAt; t += sampleMs) {
    while (next < events.length && events[next]!.at <= t) {
      const event = events[next++]!;
      visible += event.words - (current.get(event.id) ?? 0);
      current.set(event.id, event.words);
    }
    while (pushed < stream.pushTimes.length && stream.pushTimes[pushed]! <= t) pushed++;
    const stale = visible >= pushed ? 0 : t - stream.pushTimes[visible]!;
    samples.push(stale);
    if (pushed === total && visible >= total) {
      completeAt = t;
      break;
    }
  }
  const sorted = [...samples].sort((a, b) => a - b);
  return { samples, p95: percentileSorted(sorted, 95), complete: completeAt !== undefined, completeAt, writes };
}

/** The naive renderer: send on the first delta, then one edit with the whole text so far on every delta. */
function naiveStream(
  client: Client<true>,
  channel: SendableChannel & { id: string },
  signal: AbortSignal,
  counter: { issued: number },
) {
  let text = '';
  let messageId: Promise<string> | undefined;
  return {
    typing: () => channel.sendTyping().catch(() => undefined),
    push(delta: string) {
      text += delta;
      const content = text;
      counter.issued++;
      if (!messageId) {
        messageId = client.rest
          .post(Routes.channelMessages(channel.id), { body: { content, allowed_mentions: NO_MENTIONS }, signal })
          .then((message) => (message as { id: string }).id);
        messageId.catch(() => undefined);
        return;
      }
      void messageId
        .then((id) =>
          client.rest.patch(Routes.channelMessage(channel.id, id), {
            body: { content, allowed_mentions: NO_MENTIONS },
            signal,
          }),
        )
        .catch(() => undefined);
    },
  };
}

/** A thread as the sink needs it, straight on the REST client (no cache needed for a thread created just now). */
function restChannel(client: Client<true>, id: string): SendableChannel & { id: string } {
  return {
    id,
    send: async (options) =>
      (await client.rest.post(Routes.channelMessages(id), {
        body: { content: options.content, allowed_mentions: NO_MENTIONS },
      })) as { id: string },
    sendTyping: async () => {
      await client.rest.post(Routes.channelTyping(id));
    },
    messages: {
      edit: (messageId, options) =>
        client.rest.patch(Routes.channelMessage(id, messageId), {
          body: { content: options.content, allowed_mentions: NO_MENTIONS },
        }),
    },
  };
}

/** Buffers pushes until the thread exists (a burst in one channel creates each thread first). */
function deferred(open: () => Promise<{ begin(): void; push(delta: string): void; finish(): Promise<boolean> }>) {
  const buffered: string[] = [];
  let target: { begin(): void; push(delta: string): void; finish(): Promise<boolean> } | undefined;
  const ready = open().then((t) => {
    target = t;
    t.begin();
    for (const delta of buffered.splice(0)) t.push(delta);
    return t;
  });
  ready.catch(() => undefined); // a thread never created (the run was cut off) is counted as incomplete
  return {
    begin: () => undefined,
    push: (delta: string) => (target ? target.push(delta) : void buffered.push(delta)),
    finish: async () => (await ready).finish(),
  };
}

type Variant = 'ours' | 'naive' | PeerKind;

async function runVariant(kind: Variant, n: number, s: B2Settings, burst?: Burst): Promise<VariantResult> {
  const fake = await startFakeDiscord({
    rateLimits: { messages: s.channelBucket, global: s.globalLimit },
    validateResponses: false,
  });
  const budget = new EditBudget({ perSecond: s.writesPerSecond });
  const client = await login(fake, kind === 'ours' ? budget : undefined).catch(async (error: unknown) => {
    budget.dispose();
    await fake.close();
    throw error;
  });
  const abort = new AbortController();
  setMaxListeners(0, abort.signal);
  try {
    // Warm up the fake's request validators (the first request of each route compiles its schema).
    const warmChannel = await client.channels.fetch(fake.ids.otherTextChannelId);
    if (warmChannel?.isSendable()) {
      const warm = await warmChannel.send({ content: 'warm-up', allowedMentions: NO_MENTIONS });
      await warm.edit({ content: 'warm-up done', allowedMentions: NO_MENTIONS });
    }
    const threads =
      burst === 'channel'
        ? []
        : Array.from({ length: n }, (_, i) => fake.createThreadAsMember({ name: `answer ${i + 1}` }));
    const cached = await pollUntil(() => threads.every((t) => client.channels.cache.has(t.id)), 10_000);
    if (!cached) throw new Error('threads did not reach the discord.js cache');
    await sleep(200);
    const base = fake.rateLimitHits.length;
    const counter = { issued: 0 };
    const t0 = Date.now() + 50;
    const spreadMs = burst ? 1_000 : s.startSpreadMs;
    const streams: Stream[] = Array.from({ length: n }, (_, i) => {
      const pushTimes: number[] = [];
      const stream: Stream = {
        threadId: threads[i]?.id ?? '',
        deltas: answerDeltas(1000 + i, s.answerTokens),
        startAt: t0 + Math.round((i * spreadMs) / n),
        pushTimes,
        begin: () => undefined,
        push: () => undefined,
        finish: async () => true,
        finishing: false,
      };
      const attach = (channel: SendableChannel & { id: string }) => {
        if (kind === 'ours') {
          const renderer = new StreamRenderer(threadSink(channel), { editIntervalMs: s.editIntervalMs, budget });
          return {
            begin: () => renderer.start(),
            push: (d: string) => renderer.push(d),
            finish: async () => (await renderer.finish({ kind: 'complete' })).delivered,
          };
        }
        if (kind !== 'naive') {
          const peer = peerStream(kind, client, channel.id, abort.signal, counter);
          return { begin: () => peer.typing(), push: (d: string) => peer.push(d), finish: () => peer.finish() };
        }
        const naive = naiveStream(client, channel, abort.signal, counter);
        // The last delta's edit already carries the whole answer.
        return { begin: () => void naive.typing(), push: (d: string) => naive.push(d), finish: async () => true };
      };
      if (burst === 'channel') {
        // A member asks in #general; the conversation's thread is created from that message, then the answer streams.
        stream.begin = () => {
          const asked = fake.sendMessage({ content: `question ${i + 1}` });
          const target = deferred(async () => {
            const thread = (await client.rest.post(Routes.threads(fake.ids.textChannelId, asked.id), {
              body: { name: `answer ${i + 1}`, auto_archive_duration: 1440 },
              signal: abort.signal,
            })) as { id: string };
            stream.threadId = thread.id;
            return attach(restChannel(client, thread.id));
          });
          stream.push = target.push;
          stream.finish = target.finish;
        };
      } else {
        const channel = burst
          ? restChannel(client, stream.threadId)
          : (client.channels.cache.get(stream.threadId) as AnyThreadChannel);
        const target = attach(channel);
        Object.assign(stream, { begin: target.begin, push: target.push, finish: target.finish });
      }
      return stream;
    });

    // One driver for every stream: begin (typing) at the start, then push each word when it is due.
    const msPerToken = 1000 / s.tokensPerSecond;
    const begun = new Set<Stream>();
    const finishing: Array<Promise<boolean>> = [];
    let lastPush = 0;
    await new Promise<void>((resolve) => {
      const driver = setInterval(() => {
        const now = Date.now();
        let active = 0;
        for (const stream of streams) {
          if (now < stream.startAt) {
            active++;
            continue;
          }
          if (!begun.has(stream)) {
            begun.add(stream);
            stream.begin();
          }
          const firstTokenAt = stream.startAt + s.ttftMs;
          const due =
            now < firstTokenAt ? 0 : Math.min(stream.deltas.length, Math.floor((now - firstTokenAt) / msPerToken) + 1);
          while (stream.pushTimes.length < due) {
            stream.push(stream.deltas[stream.pushTimes.length]!);
            stream.pushTimes.push(now);
            lastPush = now;
          }
          if (stream.pushTimes.length < stream.deltas.length) active++;
          else if (!stream.finishing) {
            stream.finishing = true;
            finishing.push(stream.finish().catch(() => false)); // a baseline cut off mid-way rejects
          }
        }
        if (active === 0 && finishing.length === streams.length) {
          clearInterval(driver);
          resolve();
        }
      }, 5);
    });

    let endAt: number;
    let undelivered = 0;
    if (kind === 'ours') {
      const delivered = await within(Promise.all(finishing), s.drainTimeoutMs, undefined);
      undelivered = delivered === undefined ? n : delivered.filter((ok) => !ok).length;
      await sleep(100);
      endAt = Date.now();
    } else {
      // A baseline's backlog drains at one edit per second per thread: cut it off.
      const cutoff = lastPush + s.baselineGraceMs;
      await pollUntil(
        () => streams.every((st) => wordsInThread(fake, st.threadId) >= st.deltas.length) || Date.now() >= cutoff,
        s.baselineGraceMs + 1_000,
        50,
      );
      endAt = Date.now();
      abort.abort();
    }
    const stats = streams.map((stream) => streamStats(fake, stream, endAt, s.sampleMs));
    const gaps = [...fake.editArrivals().values()].flatMap((times) =>
      times.slice(1).map((at, i) => at - (times[i] ?? 0)),
    );
    const completes = stats.map((st) => st.completeAt ?? Infinity);
    const pooled = stats.flatMap((st) => st.samples).sort((a, b) => a - b);
    const writes = stats.reduce((sum, st) => sum + st.writes, 0);
    return {
      p50: percentileSorted(pooled, 50),
      p95: percentileSorted(pooled, 95),
      max: pooled[pooled.length - 1] ?? 0,
      complete: stats.every((st) => st.complete),
      fairness: jainIndex(stats.map((st) => st.p95)),
      writesPerAnswer: writes / n,
      issuedPerAnswer: kind === 'ours' ? writes / n : counter.issued / n,
      discord429: fake.rateLimitHits.length - base,
      limitedRoutes: describeHits(fake.rateLimitHits.slice(base)),
      undelivered,
      violations: fake.violations.length,
      minEditGap: gaps.length > 0 ? Math.min(...gaps) : Infinity,
      allCompleteMs: Math.max(...completes) - t0,
    };
  } finally {
    abort.abort();
    budget.dispose();
    await client.destroy();
    await fake.close();
  }
}

function describeHits(hits: FakeDiscord['rateLimitHits']): string {
  const counts = new Map<string, number>();
  for (const hit of hits) {
    const route = hit.route.replace('/channels/{channel_id}/', '').replace('/{message_id}', '');
    const key = `${route}${hit.global ? ' (global)' : ''}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts].map(([key, count]) => `${count} × ${key}`).join(', ');
}

function wordsInThread(fake: FakeDiscord, threadId: string): number {
  return fake.botMessagesIn(threadId).reduce((sum, m) => sum + wordsIn(m.current.content), 0);
}

export async function runB2(ctx: BenchContext): Promise<{ rows: Row[]; settings: B2Settings }> {
  const s: B2Settings = {
    sizes: ctx.quick ? [1, 10] : [1, 10, 50, 100],
    tokensPerSecond: 50,
    answerTokens: ctx.quick ? 75 : 250,
    editIntervalMs: 1_000,
    writesPerSecond: DEFAULT_WRITES_PER_SECOND,
    channelBucket: { limit: 5, windowMs: 5_000 },
    globalLimit: { limit: 50, windowMs: 1_000 },
    startSpreadMs: ctx.quick ? 500 : 1_000,
    ttftMs: 300,
    baselineGraceMs: ctx.quick ? 1_500 : 4_000,
    drainTimeoutMs: 30_000,
    sampleMs: 10,
    bursts: (ctx.quick ? [50] : [50, 100]).flatMap((n) => [
      { n, where: 'channel' as const },
      { n, where: 'threads' as const },
    ]),
  };
  const rows: Row[] = [];
  for (const n of s.sizes) {
    ctx.log(`B2 ${n} concurrent answers: ours`);
    const ours = await runVariant('ours', n, s);
    ctx.log(`B2 ${n}: ours p95 ${Math.round(ours.p95)} ms, ${ours.discord429} × 429; naive baseline`);
    const naive = await runVariant('naive', n, s);
    ctx.log(`B2 ${n}: naive p95 ${Math.round(naive.p95)} ms, ${naive.discord429} × 429`);
    const name = `${n} answer${n === 1 ? '' : 's'} @ ${s.tokensPerSecond} tok/s`;
    const fairShareMs = Math.max(s.editIntervalMs, (n * 1000) / s.writesPerSecond);
    const withinBudget = (n * 1000) / s.editIntervalMs <= s.writesPerSecond;
    const stalenessTarget = 1.5 * fairShareMs;
    const naiveBound = naive.complete ? undefined : ('≥' as const);
    rows.push(
      {
        id: 'B2',
        case: name,
        metric: 'Discord 429s',
        unit: 'count',
        value: ours.discord429,
        baseline: naive.discord429,
        target: '0',
        met: ours.discord429 === 0,
        ...(ours.discord429 + naive.discord429 + ours.violations + naive.violations > 0
          ? {
              note: [
                ours.discord429 ? `ours: ${ours.limitedRoutes}` : '',
                naive.discord429 ? `naive: ${naive.limitedRoutes}` : '',
                ours.violations + naive.violations
                  ? `${ours.violations + naive.violations} spec violations recorded by the fake`
                  : '',
              ]
                .filter(Boolean)
                .join('; '),
            }
          : {}),
      },
      {
        id: 'B2',
        case: name,
        metric: 'p95 staleness',
        unit: 'ms',
        value: ours.p95,
        baseline: naive.p95,
        baselineBound: naiveBound,
        target: withinBudget
          ? `≤ ${stalenessTarget} ms (1.5 × interval)`
          : `≤ ${stalenessTarget} ms (1.5 × fair share)`,
        met: ours.p95 <= stalenessTarget && ours.undelivered === 0,
        note:
          `p50 ${Math.round(ours.p50)} / max ${Math.round(ours.max)} ms (naive ${naiveBound ?? ''}${Math.round(naive.p50)} / ${naiveBound ?? ''}${Math.round(naive.max)} ms` +
          `${naive.complete ? '' : `, cut off ${s.baselineGraceMs / 1000} s after the last token with text still queued`})` +
          (withinBudget
            ? ''
            : `; beyond the ${s.writesPerSecond} writes/s budget each answer's fair share is one write per ${Math.round(fairShareMs)} ms`) +
          (ours.undelivered > 0 ? `; ${ours.undelivered} answers NOT fully delivered` : '') +
          (ours.complete ? '' : '; some answers were not fully visible when measuring ended'),
      },
      {
        id: 'B2',
        case: name,
        metric: 'writes per answer',
        unit: 'count',
        value: ours.writesPerAnswer,
        baseline: naive.writesPerAnswer,
        baselineBound: naiveBound,
        note: `sends + edits that landed; the naive renderer asked for ${Math.round(naive.issuedPerAnswer)} per answer`,
      },
    );
    rows.push(...(await peerRows(ctx, n, name, ours, s)));
    if (n > 1) {
      rows.push({
        id: 'B2',
        case: name,
        metric: 'fairness (Jain, per-answer p95)',
        unit: 'index',
        value: ours.fairness,
        baseline: naive.fairness,
        target: '≥ 0.9',
        met: ours.fairness >= 0.9,
      });
    }
  }
  for (const { n, where } of s.bursts) rows.push(...(await burstRows(ctx, n, where, s)));
  return { rows, settings: s };
}

/** Burst start: n conversations starting within one second; ours against the naive baseline in the same run. */
async function burstRows(ctx: BenchContext, n: number, where: Burst, s: B2Settings): Promise<Row[]> {
  ctx.log(`B2 burst start ${n} (${where}): ours`);
  const ours = await runVariant('ours', n, s, where);
  ctx.log(
    `B2 burst ${n} (${where}): ours ${ours.discord429} × 429, min edit gap ${ours.minEditGap} ms; naive baseline`,
  );
  const naive = await runVariant('naive', n, s, where);
  ctx.log(`B2 burst ${n} (${where}): naive ${naive.discord429} × 429, min edit gap ${naive.minEditGap} ms`);
  const name = `burst start: ${n} within 1 s, ${where === 'channel' ? 'one channel' : 'separate threads'}`;
  const bound = naive.complete ? undefined : ('≥' as const);
  const row = (metric: string, unit: Unit, value: number, baseline: number, extra: Partial<Row> = {}): Row => ({
    id: 'B2',
    case: name,
    metric,
    unit,
    value,
    baseline,
    ...extra,
  });
  return [
    row('Discord 429s', 'count', ours.discord429, naive.discord429, {
      target: '0',
      met: ours.discord429 === 0,
      ...(ours.discord429 + naive.discord429 > 0
        ? {
            note: [
              ours.discord429 ? `ours: ${ours.limitedRoutes}` : '',
              naive.discord429 ? `naive: ${naive.limitedRoutes}` : '',
            ]
              .filter(Boolean)
              .join('; '),
          }
        : {}),
    }),
    row('smallest edit gap', 'ms', ours.minEditGap, naive.minEditGap, {
      target: `≥ ${s.editIntervalMs - 50} ms`,
      met: ours.minEditGap >= s.editIntervalMs - 50,
    }),
    row('p95 staleness', 'ms', ours.p95, naive.p95, {
      baselineBound: bound,
      note:
        `p50 ${Math.round(ours.p50)} / max ${Math.round(ours.max)} ms` +
        (ours.undelivered ? `; ${ours.undelivered} NOT delivered` : ''),
    }),
    row('time until every answer is complete', 'ms', ours.allCompleteMs, naive.allCompleteMs, {
      baselineBound: bound,
      note: naive.complete
        ? ''
        : `naive: some answers were never complete (cut off ${s.baselineGraceMs / 1000} s after the last token)`,
    }),
  ];
}

const PEERS: ReadonlyArray<{ kind: PeerKind; label: string }> = [
  { kind: 'llmcord', label: "llmcord's pacing (≤ 1 edit/s per answer)" },
  { kind: 'jsllmcord', label: "js-llmcord's pacing (edit loop every 100 ms)" },
];

/** Ours against what users would otherwise run, measured in the same run with the same streams. */
async function peerRows(
  ctx: BenchContext,
  n: number,
  name: string,
  ours: VariantResult,
  s: B2Settings,
): Promise<Row[]> {
  const rows: Row[] = [];
  for (const { kind, label } of PEERS) {
    const peer = await runVariant(kind, n, s);
    ctx.log(`B2 ${n}: ${kind} p95 ${Math.round(peer.p95)} ms, ${peer.discord429} × 429`);
    const bound = peer.complete ? undefined : ('≥' as const);
    const cutNote = peer.complete
      ? ''
      : `; cut off ${s.baselineGraceMs / 1000} s after the last token, text still queued`;
    rows.push(
      {
        id: 'B2',
        case: name,
        metric: `Discord 429s vs ${label}`,
        unit: 'count',
        value: ours.discord429,
        baseline: peer.discord429,
        ...(peer.discord429 ? { note: `${kind}: ${peer.limitedRoutes}` } : {}),
      },
      {
        id: 'B2',
        case: name,
        metric: `p95 staleness vs ${label}`,
        unit: 'ms',
        value: ours.p95,
        baseline: peer.p95,
        baselineBound: bound,
        note:
          `${kind}: p50 ${bound ?? ''}${Math.round(peer.p50)} / max ${bound ?? ''}${Math.round(peer.max)} ms, ` +
          `${peer.writesPerAnswer.toFixed(1)} writes landed per answer (asked ${peer.issuedPerAnswer.toFixed(1)})${cutNote}`,
      },
    );
  }
  return rows;
}
