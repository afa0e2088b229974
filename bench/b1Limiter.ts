/**
 * B1 — the model rate limiter under load.
 *
 * N conversations start at once (each a few turns, the history growing) against the fake OpenAI enforcing RPM and
 * TPM, with the same limits configured in the bot. Both the fake and the limiter run on a shortened window (the
 * arithmetic is the same as per-minute limits, only the clock runs faster).
 *
 * - ours: the real model client with the real limiter (`createRateLimiter`, default 10 % safety margin).
 * - baseline: the same client with no limiter (a pass-through that admits everything), so its retries — 2, honouring
 *   `retry-after-ms`, exactly the SDK's policy — are all that protects.
 *
 * TPM utilisation is read from the fake's records: the rate of tokens charged (prompt + completion cap of every
 * admitted request) while work was waiting, after the first window (which holds the initial full-bucket burst),
 * as a share of the TPM refill rate.
 */
import { setMaxListeners } from 'node:events';
import type { ChatMessage } from '../src/llm/modelClient.js';
import { createModelClient } from '../src/llm/modelClient.js';
import { createRateLimiter, DEFAULT_SAFETY_MARGIN, type ModelRateLimiter } from '../src/llm/limiter.js';
import type { UsageRecorder } from '../src/store/types.js';
import { countPromptTokens, warmUpTokenizer } from '../src/tokens/tokenCounter.js';
import { startFakeOpenAI, type RecordedRequest } from '../test/fakes/openai/index.js';
import { openaiConfig } from '../test/helpers/testConfig.js';
import { runConversations } from './lib/conversationLoad.js';
import type { Row } from './lib/report.js';
import { pollUntil, seededRandom, seconds, type BenchContext } from './lib/util.js';

interface B1Settings {
  conversations: number;
  turnsPerConversation: number;
  rpm: number;
  tpm: number;
  windowMs: number;
  completionCap: number;
  userWords: [number, number];
  /** Bound on one variant's run. */
  timeoutMs: number;
}

const ANSWER = 'Here is a short answer to your question, with one more sentence of detail.';
const USER_ID = '123456789012345678';
const GUILD_ID = '876543210987654321';
const SAMPLE_MS = 20;
/** A call still without its first token after this long is queued work (a round trip here takes a few ms). */
const QUEUED_AFTER_MS = 100;

const noUsage: UsageRecorder = { recordUsage: async () => undefined };

/** No limiter at all: everything is admitted at once; only the client's retries stand between us and the 429s. */
function passThroughLimiter(): ModelRateLimiter {
  return {
    capacity: { requests: Number.MAX_SAFE_INTEGER, tokens: Number.MAX_SAFE_INTEGER },
    weigh: (promptTokens, completionCap) => Math.ceil(promptTokens + completionCap),
    acquire: async (tokens) => ({ tokens, waitedMs: 0 }),
    correctTokens: async () => undefined,
    syncWithServer: async () => undefined,
    queued: () => 0,
    available: async () => ({ requests: Number.MAX_SAFE_INTEGER, tokens: Number.MAX_SAFE_INTEGER }),
    stop: async () => undefined,
  };
}

interface VariantResult {
  makespanMs: number;
  completed: number;
  failed: number;
  timedOut: boolean;
  upstream429: number;
  chatRequests: number;
  /** Share of the TPM refill rate charged while work waited; null when the queue never lasted long enough. */
  utilisation: number | null;
  utilisationSpanMs: number;
  /** Share of the utilisation span during which work was actually queued. */
  queuedCoverage: number;
  violations: number;
}

/**
 * Rate of tokens charged by admitted requests arriving in [from, to], in tokens per ms: the least-squares slope of
 * the cumulative charge over arrival time. A slope is robust to where the span happens to start and end (arrivals
 * come in steps, one refill of the limiter at a time), unlike first-to-last differences.
 */
export function chargeRate(
  requests: readonly RecordedRequest[],
  from: number,
  to: number,
): { rate: number; spanMs: number } | null {
  const admitted = requests
    .filter((r) => r.status === 200 && !r.rateLimited && r.at >= from && r.at <= to)
    .sort((a, b) => a.at - b.at);
  if (admitted.length < 3) return null;
  const spanMs = admitted[admitted.length - 1]!.at - admitted[0]!.at;
  if (spanMs <= 0) return null;
  let cumulative = 0;
  const points = admitted.map((r) => {
    cumulative += r.promptTokens + (r.completionCap ?? 0);
    return { x: r.at, y: cumulative };
  });
  const meanX = points.reduce((sum, p) => sum + p.x, 0) / points.length;
  const meanY = points.reduce((sum, p) => sum + p.y, 0) / points.length;
  let covariance = 0;
  let variance = 0;
  for (const p of points) {
    covariance += (p.x - meanX) * (p.y - meanY);
    variance += (p.x - meanX) ** 2;
  }
  return variance === 0 ? null : { rate: covariance / variance, spanMs };
}

async function runVariant(kind: 'limiter' | 'none', s: B1Settings): Promise<VariantResult> {
  const fake = await startFakeOpenAI({
    answer: () => ANSWER,
    tokensPerSecond: 300,
    chunkTokens: 2,
    rateLimits: { rpm: s.rpm, tpm: s.tpm, windowMs: s.windowMs },
  });
  const limiter =
    kind === 'limiter' ? createRateLimiter({ rpm: s.rpm, tpm: s.tpm, windowMs: s.windowMs }) : passThroughLimiter();
  const client = createModelClient({
    // The fake's settings as the tests use them; the limits are this benchmark's.
    config: openaiConfig(fake.url, { rpm: s.rpm, tpm: s.tpm, firstTokenTimeoutMs: 300_000 }),
    maxCompletionTokens: s.completionCap,
    usage: noUsage,
    limiter,
  });
  const abort = new AbortController();
  // Every call listens on the one cut-off signal.
  setMaxListeners(s.conversations * 4, abort.signal);
  let sampler: NodeJS.Timeout | undefined;
  try {
    const random = seededRandom(1);
    /** Start times of calls that have not received a first token yet. */
    const pending = new Set<{ at: number }>();
    const samples: Array<{ at: number; waiting: boolean }> = [];
    const started = Date.now();
    // Work is queued while some call has waited longer than a round trip for its first token.
    sampler = setInterval(() => {
      const now = Date.now();
      let queued = false;
      for (const call of pending) if (now - call.at > QUEUED_AFTER_MS) queued = true;
      samples.push({ at: now, waiting: queued });
    }, SAMPLE_MS);

    const all = runConversations(client, {
      conversations: s.conversations,
      turnsPerConversation: s.turnsPerConversation,
      userWords: s.userWords,
      random,
      signal: abort.signal,
      onTurn: () => {
        const call = { at: Date.now() };
        pending.add(call);
        return () => pending.delete(call);
      },
    });
    let done = false;
    void all.finally(() => {
      done = true;
    });
    const finished = await pollUntil(() => done, s.timeoutMs, 25);
    if (!finished) abort.abort();
    const { completed, failed } = await all;
    const makespanMs = Date.now() - started;
    clearInterval(sampler);

    const requests = fake.chatRequests();
    const waitingTimes = samples.filter((x) => x.waiting).map((x) => x.at);
    const queueStart = waitingTimes[0];
    const queueEnd = waitingTimes[waitingTimes.length - 1];
    let utilisation: number | null = null;
    let utilisationSpanMs = 0;
    let queuedCoverage = 0;
    if (queueStart !== undefined && queueEnd !== undefined) {
      // Skip the first window: it holds the initial burst of a full bucket, which no refill rate can sustain.
      const from = queueStart + s.windowMs;
      const measured = chargeRate(requests, from, queueEnd);
      const inSpan = samples.filter((x) => x.at >= from && x.at <= queueEnd);
      queuedCoverage = inSpan.filter((x) => x.waiting).length / Math.max(1, inSpan.length);
      if (measured && measured.spanMs >= s.windowMs / 2) {
        utilisation = (measured.rate * s.windowMs) / s.tpm;
        utilisationSpanMs = measured.spanMs;
      } else if (queueEnd - from >= s.windowMs / 2) {
        // Too few admissions for a slope (the baseline's retries can starve completely): plain share of the span.
        const charged = requests
          .filter((r) => r.status === 200 && !r.rateLimited && r.at >= from && r.at <= queueEnd)
          .reduce((sum, r) => sum + r.promptTokens + (r.completionCap ?? 0), 0);
        utilisation = charged / ((s.tpm * (queueEnd - from)) / s.windowMs);
        utilisationSpanMs = queueEnd - from;
      }
    }
    const result: VariantResult = {
      makespanMs,
      completed,
      failed,
      timedOut: !finished,
      upstream429: requests.filter((r) => r.status === 429).length,
      chatRequests: requests.length,
      utilisation,
      utilisationSpanMs,
      queuedCoverage,
      violations: fake.violations.length,
    };
    return result;
  } finally {
    clearInterval(sampler);
    abort.abort();
    await client.close();
    await limiter.stop();
    await fake.close();
  }
}

/** One call through the whole stack first, so the first variant does not pay for module and JIT warm-up. */
async function warmUp(): Promise<void> {
  warmUpTokenizer();
  const fake = await startFakeOpenAI({ answer: () => ANSWER });
  const client = createModelClient({
    // The fake's settings as the tests use them; the limits are this benchmark's.
    config: openaiConfig(fake.url, { rpm: 1_000, tpm: 1_000_000, firstTokenTimeoutMs: 300_000 }),
    maxCompletionTokens: 64,
    usage: noUsage,
  });
  try {
    const messages: ChatMessage[] = [{ role: 'user', content: 'warm-up' }];
    await client.streamChat({
      messages,
      promptTokens: countPromptTokens(messages),
      userId: USER_ID,
      guildId: GUILD_ID,
    });
  } finally {
    await client.close();
    await fake.close();
  }
}

export async function runB1(ctx: BenchContext): Promise<{ rows: Row[]; settings: B1Settings }> {
  const s: B1Settings = ctx.quick
    ? {
        conversations: 20,
        turnsPerConversation: 2,
        rpm: 40,
        tpm: 8_000,
        windowMs: 1_000,
        completionCap: 512,
        userWords: [30, 120],
        timeoutMs: 20_000,
      }
    : {
        conversations: 50,
        turnsPerConversation: 2,
        rpm: 60,
        tpm: 24_000,
        windowMs: 4_000,
        completionCap: 512,
        userWords: [30, 120],
        timeoutMs: 60_000,
      };
  const name = `${s.conversations} conv × ${s.turnsPerConversation} turns`;
  await warmUp();
  ctx.log(`B1 ${name}: limiter (RPM ${s.rpm}, TPM ${s.tpm} per ${s.windowMs / 1000} s)`);
  const ours = await runVariant('limiter', s);
  ctx.log(
    `B1 ours: ${seconds(ours.makespanMs)} s, ${ours.upstream429} × 429, ${ours.completed} done, ${ours.failed} failed`,
  );
  ctx.log('B1 baseline: no limiter, client retries only');
  const base = await runVariant('none', s);
  ctx.log(
    `B1 baseline: ${seconds(base.makespanMs)} s, ${base.upstream429} × 429, ${base.completed} done, ${base.failed} failed`,
  );

  const total = s.conversations * s.turnsPerConversation;
  const pct = (v: number | null) => (v === null ? null : v * 100);
  const violations = ours.violations + base.violations;
  const rows: Row[] = [
    {
      id: 'B1',
      case: name,
      metric: 'upstream 429s',
      unit: 'count',
      value: ours.upstream429,
      baseline: base.upstream429,
      target: '0',
      met: ours.upstream429 === 0,
      note: `${ours.chatRequests} vs ${base.chatRequests} chat requests sent for ${total} turns${violations ? `; ${violations} OpenAPI violations recorded by the fake` : ''}`,
    },
    {
      id: 'B1',
      case: name,
      metric: 'TPM used while work queued',
      unit: '%',
      value: pct(ours.utilisation),
      baseline: pct(base.utilisation),
      target: '≥ 90 %',
      met: ours.utilisation === null ? false : ours.utilisation >= 0.9,
      note:
        `rate of tokens charged at the fake (prompt + completion cap, admitted requests) after the first window, over ` +
        `${seconds(ours.utilisationSpanMs)} s (work queued ${Math.round(ours.queuedCoverage * 100)} % of it); = ${ours.utilisation === null ? '—' : ((ours.utilisation / (1 - DEFAULT_SAFETY_MARGIN)) * 100).toFixed(1)} % of ` +
        `the limiter's own capacity: its ${DEFAULT_SAFETY_MARGIN * 100} % safety margin makes ${(1 - DEFAULT_SAFETY_MARGIN) * 100} % of TPM the ceiling` +
        (base.utilisation === null
          ? '; the baseline never kept work queued past its first window'
          : `; baseline over ${seconds(base.utilisationSpanMs)} s (its retries keep the request bucket empty: failed requests count too)`),
    },
    {
      id: 'B1',
      case: name,
      metric: 'makespan',
      unit: 's',
      value: seconds(ours.makespanMs),
      baseline: seconds(base.makespanMs),
      note:
        (ours.failed === 0 ? 'ours completes every turn' : `ours fails ${ours.failed} turns`) +
        (base.failed > 0 ? "; the baseline's makespan ends when its last turn fails" : '') +
        (ours.timedOut || base.timedOut ? ` (cut off at ${seconds(s.timeoutMs)} s)` : ''),
    },
    {
      id: 'B1',
      case: name,
      metric: 'turns failed (of ' + total + ')',
      unit: 'count',
      value: ours.failed,
      baseline: base.failed,
    },
  ];
  return { rows, settings: s };
}
