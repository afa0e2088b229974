/**
 * Load: 40 concurrent calls against a fake enforcing RPM=20 / TPM=6000, with the same limits in the client.
 * Every call must complete and the fake must never answer 429. Counts only, no timing asserts.
 *
 * Both the fake and the limiter express their limits per window; the window is shrunk from 60 s to 10 s so the
 * test runs in ~15 s instead of ~90 s. The arithmetic is the same: only the clock runs six times faster.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createRateLimiter, type ModelRateLimiter } from '../../../src/llm/limiter.js';
import { createModelClient, type ChatRequest, type ModelClient } from '../../../src/llm/modelClient.js';
import { countPromptTokens } from '../../../src/tokens/tokenCounter.js';
import { startFakeOpenAI, type FakeOpenAI } from '../../fakes/openai/index.js';
import { GUILD_ID, MemoryUsage, testOpenAIConfig, USER_ID } from './helpers.js';

const RPM = 20;
const TPM = 6_000;
const WINDOW_MS = 10_000;
const CALLS = 40;
/** Prompt (~20 tokens) + this cap ≈ 320 tokens per call: the token limit binds about as hard as the request limit. */
const COMPLETION_CAP = 300;

let fake: FakeOpenAI;
let limiter: ModelRateLimiter;
let client: ModelClient;
const usage = new MemoryUsage();

beforeAll(async () => {
  fake = await startFakeOpenAI({
    answer: () => 'Short answer.',
    rateLimits: { rpm: RPM, tpm: TPM, windowMs: WINDOW_MS },
  });
  limiter = createRateLimiter({ rpm: RPM, tpm: TPM, windowMs: WINDOW_MS });
  client = createModelClient({
    config: testOpenAIConfig(fake.url, { rpm: RPM, tpm: TPM }),
    maxCompletionTokens: COMPLETION_CAP,
    usage,
    limiter,
  });
});

afterAll(async () => {
  await client?.close();
  await limiter?.stop();
  await fake?.close();
});

it(`${CALLS} concurrent calls at RPM=${RPM}/TPM=${TPM} all complete without a single 429`, {
  timeout: 90_000,
}, async () => {
  let queuedNotices = 0;
  const calls = Array.from({ length: CALLS }, (_, i) => {
    const messages: ChatRequest['messages'] = [
      { role: 'system', content: 'You are terse.' },
      { role: 'user', content: `Question number ${i}: what is ${i} plus ${i}?` },
    ];
    const request: ChatRequest = {
      messages,
      promptTokens: countPromptTokens(messages),
      userId: USER_ID,
      guildId: GUILD_ID,
    };
    return client.streamChat(request, { onQueued: () => void queuedNotices++ });
  });
  const results = await Promise.all(calls);

  expect(results.map((r) => r.text)).toEqual(Array.from({ length: CALLS }, () => 'Short answer.'));
  const requests = fake.chatRequests();
  expect(requests.filter((r) => r.rateLimited)).toHaveLength(0);
  expect(requests).toHaveLength(CALLS);
  expect(usage.entries).toHaveLength(CALLS);
  // Most calls had to wait, and were told so.
  expect(queuedNotices).toBeGreaterThan(CALLS / 2);
  expect(limiter.queued()).toBe(0);
  fake.assertNoViolations();
});
