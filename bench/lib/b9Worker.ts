/**
 * One bot-like process for B9, driven by stdin lines:
 *   go <shared|local> <fakeUrl> <limiterId> <n>   run n conversations through the real model client, its limiter
 *                                                 either shared through REDIS_URL or local at the full budget;
 *                                                 print {completed, failed, timedOut, calls} as one JSON line
 *   warm <fakeUrl>                                one conversation first, so no measured run pays for warm-up
 *   overhead <shared|local> <limiterId>           time ACQUIRES acquires, one per PACE_MS, on a limiter with
 *                                                 capacity to spare; print the durations (ms) as one JSON line
 *   quit
 */
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { connectRedis, whenUp } from '../../src/coordination/redisConnection.js';
import { createSharedRateLimiter } from '../../src/coordination/sharedRateLimiter.js';
import { createRateLimiter, type ModelRateLimiter } from '../../src/llm/limiter.js';
import { createModelClient } from '../../src/llm/modelClient.js';
import { warmUpTokenizer } from '../../src/tokens/tokenCounter.js';
import { runConversations } from './conversationLoad.js';
import { seededRandom } from './util.js';
import { openaiConfig } from '../../test/helpers/testConfig.js';

const env = (name: string): string => {
  const value = process.env[name];
  if (value === undefined) throw new Error(`${name} is required`);
  return value;
};
const num = (name: string) => Number(env(name));

const RPM = num('RPM');
const TPM = num('TPM');
const WINDOW_MS = num('WINDOW_MS');
const TURNS = num('TURNS');
const COMPLETION_CAP = num('COMPLETION_CAP');
const ACQUIRES = num('ACQUIRES');
const RUN_TIMEOUT_MS = num('RUN_TIMEOUT_MS');
const SEED = num('SEED');
/** This process's share of the budget while Redis is unreachable (it stays up during the bench). */
const FALLBACK_SHARE = num('FALLBACK_SHARE');
/** Acquires are paced (50 per second per process, far above any real RPM) so the figure is the limiter's cost, not
 * the benchmark's own CPU saturation. */
const PACE_MS = 20;

const hub = connectRedis(env('REDIS_URL'));
if (!(await whenUp(hub, 5_000))) throw new Error('redis not reachable');
warmUpTokenizer();

function limiterFor(mode: string, id: string, rpm: number, tpm: number): ModelRateLimiter {
  const limits = { rpm, tpm, windowMs: WINDOW_MS };
  return mode === 'shared'
    ? createSharedRateLimiter({ hub, id, fallbackShare: FALLBACK_SHARE, ...limits })
    : createRateLimiter(limits);
}

interface Call {
  /** Epoch ms the turn asked the client. */
  at: number;
  /** Epoch ms of the first token (or the failure). */
  first: number;
}

async function run(mode: string, baseURL: string, id: string, conversations: number) {
  const limiter = limiterFor(mode, id, RPM, TPM);
  await limiter.available();
  const client = createModelClient({
    // The fake's settings as the tests use them; the limits are this benchmark's.
    config: openaiConfig(baseURL, { rpm: RPM, tpm: TPM, firstTokenTimeoutMs: 300_000 }),
    maxCompletionTokens: COMPLETION_CAP,
    usage: { recordUsage: async () => undefined },
    limiter,
  });
  const signal = AbortSignal.timeout(RUN_TIMEOUT_MS);
  const calls: Call[] = [];
  try {
    const { completed, failed } = await runConversations(client, {
      conversations,
      turnsPerConversation: TURNS,
      userWords: [30, 120],
      random: seededRandom(SEED),
      signal,
      tag: `${SEED}.`,
      onTurn: () => {
        const call: Call = { at: Date.now(), first: 0 };
        calls.push(call);
        return () => {
          call.first = Date.now();
        };
      },
    });
    return { completed, failed, timedOut: signal.aborted, calls };
  } finally {
    await client.close();
    await limiter.stop();
  }
}

/** Admission cost alone: capacity never runs out, so every millisecond is the limiter's own (and Redis's). */
async function overhead(mode: string, id: string): Promise<number[]> {
  const limiter = limiterFor(mode, id, 1_000_000, 1_000_000_000);
  await limiter.available();
  const durations: number[] = [];
  try {
    for (let i = 0; i < ACQUIRES; i++) {
      const started = performance.now();
      await limiter.acquire(700);
      durations.push(performance.now() - started);
      await sleep(PACE_MS);
    }
  } finally {
    await limiter.stop();
  }
  return durations;
}

console.log('ready');
const lines = createInterface({ input: process.stdin });
for await (const line of lines) {
  const [command, mode = '', a = '', b = '', c = '0'] = line.split(' ');
  if (command === 'go') console.log(JSON.stringify(await run(mode, a, b, Number(c))));
  if (command === 'warm') console.log(JSON.stringify((await run('local', mode, 'warm', 1)).completed));
  if (command === 'overhead') console.log(JSON.stringify(await overhead(mode, a)));
  if (command === 'quit') break;
}
lines.close();
await hub.close();
process.exit(0);
