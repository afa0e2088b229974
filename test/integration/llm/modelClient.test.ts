import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { Config } from '../../../src/config/config.js';
import {
  ModelInterruptedError,
  ModelRejectedError,
  ModelTimeoutError,
  ModelUnavailableError,
  QuotaExhaustedError,
} from '../../../src/llm/errors.js';
import { createRateLimiter, type ModelRateLimiter } from '../../../src/llm/limiter.js';
import { createModelClient, type ChatRequest, type ModelClient } from '../../../src/llm/modelClient.js';
import { countPromptTokens, countTokens } from '../../../src/tokens/tokenCounter.js';
import { startFakeOpenAI, type FakeOpenAI, type FakeOpenAIOptions } from '../../fakes/openai/index.js';
import { GUILD_ID, MemoryUsage, testOpenAIConfig, USER_ID } from './helpers.js';

const ANSWER = 'Streaming answers arrive in small pieces, one after another, until the model is done.';

interface Harness {
  fake: FakeOpenAI;
  client: ModelClient;
  usage: MemoryUsage;
}

const open: Harness[] = [];
const limiters: ModelRateLimiter[] = [];

async function setup(
  fakeOptions: FakeOpenAIOptions = {},
  config: Partial<Config['openai']> = {},
  clientOptions: { maxCompletionTokens?: number; limiter?: ModelRateLimiter; maxRetries?: number } = {},
): Promise<Harness> {
  const fake = await startFakeOpenAI({ answer: () => ANSWER, ...fakeOptions });
  const usage = new MemoryUsage();
  const client = createModelClient({
    config: testOpenAIConfig(fake.url, config),
    maxCompletionTokens: clientOptions.maxCompletionTokens ?? 256,
    usage,
    limiter: clientOptions.limiter,
    maxRetries: clientOptions.maxRetries,
  });
  const harness = { fake, client, usage };
  open.push(harness);
  return harness;
}

function chatRequest(text = 'How do streams work?', extra: Partial<ChatRequest> = {}): ChatRequest {
  const messages: ChatRequest['messages'] = [
    { role: 'system', content: 'You are a helpful assistant.' },
    { role: 'user', content: text },
  ];
  return { messages, promptTokens: countPromptTokens(messages), userId: USER_ID, guildId: GUILD_ID, ...extra };
}

afterEach(async () => {
  const harnesses = open.splice(0);
  try {
    for (const { fake } of harnesses) fake.assertNoViolations();
  } finally {
    for (const { fake, client } of harnesses) {
      await client.close();
      await fake.close();
    }
    for (const limiter of limiters.splice(0)) await limiter.stop();
  }
});

describe('streamChat', () => {
  it('delivers the deltas in order and the server usage', async () => {
    const { fake, client, usage } = await setup({ chunkTokens: 2 });
    const deltas: string[] = [];
    const result = await client.streamChat(chatRequest(), { onDelta: (d) => deltas.push(d) });

    expect(deltas.length).toBeGreaterThan(3);
    expect(deltas.join('')).toBe(ANSWER);
    expect(result.text).toBe(ANSWER);
    expect(result.finishReason).toBe('stop');
    expect(result.error).toBeUndefined();
    expect(result.model).toBe('gpt-4o-mini');
    const [request] = fake.chatRequests();
    expect(result.usage).toEqual({
      promptTokens: request?.promptTokens,
      completionTokens: countTokens(ANSWER),
      cachedTokens: 0,
      reasoningTokens: 0,
      estimated: false,
    });
    expect(result.costUsd).toBeCloseTo(
      (result.usage.promptTokens * 0.15 + result.usage.completionTokens * 0.6) / 1e6,
      12,
    );
    expect(request?.body).toMatchObject({
      stream: true,
      stream_options: { include_usage: true },
      max_completion_tokens: 256,
    });
    expect(usage.entries).toHaveLength(1);
    expect(usage.entries[0]).toMatchObject({
      userId: USER_ID,
      guildId: GUILD_ID,
      promptTokens: result.usage.promptTokens,
      completionTokens: result.usage.completionTokens,
      requests: 1,
      costUsd: result.costUsd,
    });
  });

  it('estimates usage with the tokenizer when the server sends none', async () => {
    const { client, usage } = await setup({ usage: false });
    const request = chatRequest();
    const result = await client.streamChat(request);
    expect(result.usage).toEqual({
      promptTokens: request.promptTokens,
      completionTokens: countTokens(ANSWER),
      cachedTokens: 0,
      reasoningTokens: 0,
      estimated: true,
    });
    expect(usage.entries[0]?.completionTokens).toBe(countTokens(ANSWER));
  });

  it('passes finish reasons through (length when the cap is hit)', async () => {
    const { client } = await setup({}, {}, { maxCompletionTokens: 5 });
    const result = await client.streamChat(chatRequest());
    expect(result.finishReason).toBe('length');
    expect(countTokens(result.text)).toBeLessThanOrEqual(5);
  });

  it('retries a 429 rate_limit_exceeded after retry-after, then succeeds', async () => {
    const { fake, client } = await setup();
    fake.fail({ kind: 'rate_limit', retryAfterMs: 200 });
    const result = await client.streamChat(chatRequest());
    expect(result.text).toBe(ANSWER);
    const requests = fake.chatRequests();
    expect(requests.map((r) => r.status)).toEqual([429, 200]);
    expect(requests[0]?.rateLimited).toBe(true);
    // The retry honoured the server's wait (allowing for timer granularity).
    expect((requests[1]?.at ?? 0) - (requests[0]?.at ?? 0)).toBeGreaterThanOrEqual(180);
  });

  it('does not retry insufficient_quota and reports the quota error', async () => {
    const { fake, client, usage } = await setup();
    fake.fail({ kind: 'insufficient_quota' });
    const error = await client.streamChat(chatRequest()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QuotaExhaustedError);
    expect((error as QuotaExhaustedError).userMessage).toBe(
      "This server's OpenAI quota is used up — an admin needs to check billing.",
    );
    expect(fake.chatRequests()).toHaveLength(1);
    expect(usage.entries).toHaveLength(0);
  });

  it('retries a 500, then succeeds', async () => {
    const { fake, client } = await setup();
    fake.fail({ kind: 'status', status: 500 });
    const result = await client.streamChat(chatRequest());
    expect(result.text).toBe(ANSWER);
    expect(fake.chatRequests().map((r) => r.status)).toEqual([500, 200]);
  });

  it('gives up after the retries with a plain-language unavailable error', async () => {
    const { fake, client } = await setup();
    fake.fail(...Array.from({ length: 3 }, () => ({ kind: 'status' as const, status: 503 })));
    const error = await client.streamChat(chatRequest()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelUnavailableError);
    expect(fake.chatRequests()).toHaveLength(3);
  });

  it.each([400, 401, 404])('does not retry a %i', async (status) => {
    const { fake, client } = await setup();
    fake.fail({ kind: 'status', status });
    const error = await client.streamChat(chatRequest()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelRejectedError);
    expect((error as ModelRejectedError).userMessage).toBe(
      "The bot's model configuration was rejected — an admin needs to check it.",
    );
    expect((error as Error).message).not.toContain('sk-test-0123456789abcdef');
    expect(fake.chatRequests()).toHaveLength(1);
  });

  it('turns a stream cut into an interrupted result with the partial text (no retry)', async () => {
    const { fake, client, usage } = await setup();
    // The role chunk plus two content chunks, then the socket is destroyed.
    fake.fail({ kind: 'cut', afterChunks: 3 });
    const deltas: string[] = [];
    const result = await client.streamChat(chatRequest(), { onDelta: (d) => deltas.push(d) });
    expect(result.finishReason).toBe('interrupted');
    expect(result.text).toBe(deltas.join(''));
    expect(result.text.length).toBeGreaterThan(0);
    expect(ANSWER.startsWith(result.text)).toBe(true);
    expect(result.text).not.toBe(ANSWER);
    expect(result.error).toBeInstanceOf(ModelInterruptedError);
    expect(result.error?.userMessage).toBe('The answer was interrupted.');
    expect((result.error as ModelInterruptedError).interruption).toBe('cut');
    expect(result.usage.estimated).toBe(true);
    expect(fake.chatRequests()).toHaveLength(1);
    expect(usage.entries).toHaveLength(1);
  });

  it('aborts a stalled stream after stallTimeoutMs and returns the partial text', async () => {
    const { fake, client } = await setup({}, { stallTimeoutMs: 300 });
    fake.fail({ kind: 'stall', afterChunks: 3 });
    const result = await client.streamChat(chatRequest());
    expect(result.finishReason).toBe('interrupted');
    expect(result.text.length).toBeGreaterThan(0);
    expect((result.error as ModelInterruptedError).interruption).toBe('stall');
    expect(fake.chatRequests()).toHaveLength(1);
  });

  it('retries a stream that broke or stalled before any text reached the caller', async () => {
    const { fake, client } = await setup({}, { stallTimeoutMs: 300 });
    fake.fail({ kind: 'cut', afterChunks: 1 }, { kind: 'stall', afterChunks: 1 });
    const result = await client.streamChat(chatRequest());
    expect(result.text).toBe(ANSWER);
    expect(fake.chatRequests()).toHaveLength(3);
  });

  it('times out a request whose headers never come, and retries it', async () => {
    const { fake, client } = await setup({}, { timeoutMs: 300 });
    fake.fail({ kind: 'hang' });
    const result = await client.streamChat(chatRequest());
    expect(result.text).toBe(ANSWER);
    expect(fake.chatRequests()).toHaveLength(2);
  });

  it('reports a timeout when every attempt hangs', async () => {
    const { fake, client } = await setup({}, { timeoutMs: 300 }, { maxRetries: 0 });
    fake.fail({ kind: 'hang' });
    const error = await client.streamChat(chatRequest()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelTimeoutError);
  });

  it('uses the fallback model after the primary keeps answering 503', async () => {
    const { fake, client } = await setup({}, { fallbackModel: 'gpt-4o' });
    fake.fail(...Array.from({ length: 3 }, () => ({ kind: 'status' as const, status: 503, model: 'gpt-4o-mini' })));
    const result = await client.streamChat(chatRequest());
    expect(result.text).toBe(ANSWER);
    expect(result.model).toBe('gpt-4o');
    expect(fake.chatRequests().map((r) => `${r.model}:${r.status}`)).toEqual([
      'gpt-4o-mini:503',
      'gpt-4o-mini:503',
      'gpt-4o-mini:503',
      'gpt-4o:200',
    ]);
  });

  it('does not use the fallback for quota errors or once text reached the caller', async () => {
    const { fake, client } = await setup({}, { fallbackModel: 'gpt-4o' });
    fake.fail({ kind: 'insufficient_quota' });
    await expect(client.streamChat(chatRequest())).rejects.toBeInstanceOf(QuotaExhaustedError);
    fake.fail({ kind: 'cut', afterChunks: 3 });
    const result = await client.streamChat(chatRequest());
    expect(result.finishReason).toBe('interrupted');
    expect(fake.chatRequests().map((r) => r.model)).toEqual(['gpt-4o-mini', 'gpt-4o-mini']);
  });

  it('stops when the caller aborts mid-stream', async () => {
    const { fake, client } = await setup({ tokensPerSecond: 50 });
    const controller = new AbortController();
    const result = await client.streamChat(chatRequest('hi', { signal: controller.signal }), {
      onDelta: () => controller.abort(),
    });
    expect(result.finishReason).toBe('interrupted');
    expect((result.error as ModelInterruptedError).interruption).toBe('aborted');
    expect(fake.chatRequests()).toHaveLength(1);
  });

  it('sends max_tokens instead of max_completion_tokens when useMaxTokens is set', async () => {
    const { fake, client } = await setup({}, { useMaxTokens: true });
    await client.streamChat(chatRequest('one', { maxCompletionTokens: 64 }));
    const body = fake.chatRequests()[0]?.body as Record<string, unknown>;
    expect(body.max_tokens).toBe(64);
    expect(body).not.toHaveProperty('max_completion_tokens');
  });

  it('sends a sha256 hash of the user id as safety_identifier, never the raw id', async () => {
    const { fake, client } = await setup();
    await client.streamChat(chatRequest());
    const body = fake.chatRequests()[0]?.body as Record<string, unknown>;
    const expected = createHash('sha256').update(USER_ID).digest('hex');
    expect(body.safety_identifier).toBe(expected);
    expect(String(body.safety_identifier).length).toBeLessThanOrEqual(64);
    expect(JSON.stringify(body)).not.toContain(USER_ID);
    expect(body).not.toHaveProperty('user');
  });

  it('tells the caller when the request has to wait for capacity', async () => {
    const limiter = createRateLimiter({ rpm: 2, tpm: 1_000_000, windowMs: 2_000, safetyMargin: 0 });
    limiters.push(limiter);
    const { client } = await setup({}, {}, { limiter });
    const positions: number[] = [];
    const results = await Promise.all(
      [1, 2, 3].map(() => client.streamChat(chatRequest(), { onQueued: ({ position }) => positions.push(position) })),
    );
    expect(results.every((r) => r.text === ANSWER)).toBe(true);
    expect(positions).toEqual([1]);
  });
});

describe('complete (non-streaming)', () => {
  it('returns the text and records the usage', async () => {
    const { fake, client, usage } = await setup();
    const result = await client.complete(chatRequest('Summarize our talk.'));
    expect(result.text).toBe(ANSWER);
    expect(result.finishReason).toBe('stop');
    expect(result.usage.estimated).toBe(false);
    expect(fake.chatRequests()[0]?.stream).toBe(false);
    expect(usage.entries).toHaveLength(1);
  });

  it('retries a 503 and falls back like streaming calls', async () => {
    const { fake, client } = await setup({}, { fallbackModel: 'gpt-4o' });
    fake.fail(...Array.from({ length: 3 }, () => ({ kind: 'status' as const, status: 503, model: 'gpt-4o-mini' })));
    const result = await client.complete(chatRequest());
    expect(result.model).toBe('gpt-4o');
    expect(fake.chatRequests()).toHaveLength(4);
  });
});

describe('moderate', () => {
  it('reports flagged categories so the caller can refuse the input', async () => {
    const { fake, client } = await setup(
      { moderate: (input) => (input.includes('attack') ? ['violence', 'harassment/threatening'] : []) },
      { moderation: true },
    );
    expect(await client.moderate('how do I bake bread?')).toEqual({ flagged: false, categories: [] });
    const flagged = await client.moderate('I will attack them');
    expect(flagged.flagged).toBe(true);
    expect(flagged.categories.sort()).toEqual(['harassment/threatening', 'violence']);
    const moderations = fake.requests.filter((r) => r.path === '/moderations');
    expect(moderations).toHaveLength(2);
    expect(moderations[0]?.body).toMatchObject({ model: 'omni-moderation-latest' });
  });

  it('does not call the endpoint when moderation is off', async () => {
    const { fake, client } = await setup({ moderate: () => ['violence'] });
    expect(await client.moderate('I will attack them')).toEqual({ flagged: false, categories: [] });
    expect(fake.requests).toHaveLength(0);
  });
});
