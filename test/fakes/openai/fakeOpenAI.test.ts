/** Tests of the fake itself, driven by the real SDK (and raw fetch where the SDK would hide what we check). */
import OpenAI, { type APIError } from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { countPromptTokens, countTokens } from '../../../src/tokens/tokenCounter.js';
import {
  assertNoViolations,
  formatResetDuration,
  SPEC_EXCEPTIONS,
  startFakeOpenAI,
  validateAgainstSpec,
  type FakeOpenAI,
  type FakeOpenAIOptions,
} from './index.js';

const fakes: FakeOpenAI[] = [];
const messages = [
  { role: 'system' as const, content: 'Be brief.' },
  { role: 'user' as const, content: 'Say hello to the fake.' },
];

async function start(options: FakeOpenAIOptions = {}): Promise<{ fake: FakeOpenAI; sdk: OpenAI }> {
  const fake = await startFakeOpenAI({ answer: () => 'Hello there, this is the fake speaking.', ...options });
  fakes.push(fake);
  return { fake, sdk: new OpenAI({ apiKey: 'sk-test', baseURL: fake.url, maxRetries: 0, logLevel: 'off' }) };
}

const post = (fake: FakeOpenAI, path: string, body: unknown) =>
  fetch(`${fake.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer sk-test' },
    body: JSON.stringify(body),
  });

afterEach(async () => {
  const started = fakes.splice(0);
  try {
    assertNoViolations(...started);
  } finally {
    await Promise.all(started.map((fake) => fake.close()));
  }
});

describe('fake OpenAI: chat completions', () => {
  it('streams role, content, finish and usage chunks, then [DONE]', async () => {
    const { fake, sdk } = await start({ chunkTokens: 2 });
    const stream = await sdk.chat.completions.create({
      model: 'gpt-4o-mini',
      messages,
      stream: true,
      stream_options: { include_usage: true },
      max_completion_tokens: 100,
    });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);

    expect(chunks[0]?.choices[0]?.delta).toEqual({ role: 'assistant', content: '' });
    const text = chunks.map((c) => c.choices[0]?.delta.content ?? '').join('');
    expect(text).toBe('Hello there, this is the fake speaking.');
    const finish = chunks.at(-2);
    expect(finish?.choices[0]?.finish_reason).toBe('stop');
    const last = chunks.at(-1);
    expect(last?.choices).toEqual([]);
    expect(last?.usage).toEqual({
      prompt_tokens: countPromptTokens(messages),
      completion_tokens: countTokens(text),
      total_tokens: countPromptTokens(messages) + countTokens(text),
      prompt_tokens_details: { cached_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 0 },
    });
    expect(new Set(chunks.map((c) => c.id)).size).toBe(1);

    const [recorded] = fake.chatRequests();
    expect(recorded).toMatchObject({
      model: 'gpt-4o-mini',
      stream: true,
      status: 200,
      rateLimited: false,
      completionCap: 100,
    });
    expect(recorded?.promptTokens).toBe(countPromptTokens(messages));
  });

  it('omits the usage chunk unless include_usage is set, and on demand', async () => {
    const { sdk, fake } = await start();
    const withoutOption = await sdk.chat.completions.create({ model: 'gpt-4o-mini', messages, stream: true });
    const chunks = [];
    for await (const chunk of withoutOption) chunks.push(chunk);
    expect(chunks.some((c) => c.usage)).toBe(false);

    fake.setUsage(false);
    const completion = await sdk.chat.completions.create({ model: 'gpt-4o-mini', messages });
    expect(completion.usage).toBeUndefined();
  });

  it('answers non-streaming requests with a full completion', async () => {
    const { sdk } = await start({ answer: () => ({ text: 'Filtered.', finishReason: 'content_filter' }) });
    const completion = await sdk.chat.completions.create({ model: 'gpt-4o', messages, max_tokens: 50 });
    expect(completion.object).toBe('chat.completion');
    expect(completion.model).toBe('gpt-4o');
    expect(completion.choices[0]?.message.content).toBe('Filtered.');
    expect(completion.choices[0]?.finish_reason).toBe('content_filter');
    expect(completion.usage?.completion_tokens).toBe(countTokens('Filtered.'));
  });

  it('stops at the completion cap with finish_reason length', async () => {
    const { sdk } = await start({ answer: () => 'one two three four five six seven eight nine ten' });
    const completion = await sdk.chat.completions.create({ model: 'gpt-4o-mini', messages, max_completion_tokens: 3 });
    expect(completion.choices[0]?.finish_reason).toBe('length');
    expect(completion.usage?.completion_tokens).toBeLessThanOrEqual(3);
  });

  it('paces the stream by time to first token and tokens per second', async () => {
    const { sdk } = await start({ answer: () => 'a b c d e', timeToFirstTokenMs: 100, tokensPerSecond: 50 });
    const startedAt = Date.now();
    const stream = await sdk.chat.completions.create({ model: 'gpt-4o-mini', messages, stream: true });
    for await (const chunk of stream) void chunk;
    // 100 ms to the first token, then 4 gaps of 20 ms; generous bounds (no tight timing).
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(150);
  });
});

describe('fake OpenAI: other endpoints', () => {
  it('serves moderations and the model list', async () => {
    const { sdk } = await start({ moderate: (input) => (input.includes('bad') ? ['violence'] : []) });
    const moderation = await sdk.moderations.create({ model: 'omni-moderation-latest', input: ['fine', 'bad thing'] });
    expect(moderation.results.map((r) => r.flagged)).toEqual([false, true]);
    expect(moderation.results[1]?.categories.violence).toBe(true);
    const models = [];
    for await (const model of sdk.models.list()) models.push(model.id);
    expect(models).toContain('gpt-4o-mini');
  });
});

describe('fake OpenAI: rate limits', () => {
  it('sends x-ratelimit headers on successes and a 429 with retry-after when the RPM bucket is empty', async () => {
    const { fake } = await start({ rateLimits: { rpm: 2, tpm: 100_000 } });
    const body = { model: 'gpt-4o-mini', messages, max_completion_tokens: 10 };
    const first = await post(fake, '/chat/completions', body);
    expect(first.status).toBe(200);
    expect(first.headers.get('x-ratelimit-limit-requests')).toBe('2');
    expect(first.headers.get('x-ratelimit-remaining-requests')).toBe('1');
    expect(first.headers.get('x-ratelimit-limit-tokens')).toBe('100000');
    // Charged prompt + cap; the bucket refills ~1.7 tokens per ms meanwhile.
    const remainingTokens = Number(first.headers.get('x-ratelimit-remaining-tokens'));
    expect(remainingTokens).toBeGreaterThanOrEqual(100_000 - countPromptTokens(messages) - 10);
    expect(remainingTokens).toBeLessThan(100_000 - countPromptTokens(messages) - 10 + 200);
    expect(first.headers.get('x-ratelimit-reset-requests')).toMatch(/^\d+(\.\d+)?s$/);
    expect((await post(fake, '/chat/completions', body)).status).toBe(200);

    const limited = await post(fake, '/chat/completions', body);
    expect(limited.status).toBe(429);
    expect(await limited.json()).toMatchObject({
      error: { type: 'requests', code: 'rate_limit_exceeded', param: null },
    });
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(Number(limited.headers.get('retry-after-ms'))).toBeGreaterThan(0);
    expect(limited.headers.get('x-ratelimit-remaining-requests')).toBe('0');
    expect(fake.chatRequests().map((r) => r.rateLimited)).toEqual([false, false, true]);
  });

  it('charges prompt tokens plus the completion cap against TPM (4096 when no cap is sent)', async () => {
    const { fake } = await start({ rateLimits: { tpm: 5_000 } });
    const withCap = await post(fake, '/chat/completions', {
      model: 'gpt-4o-mini',
      messages,
      max_completion_tokens: 1_000,
    });
    expect(withCap.status).toBe(200);
    const noCap = await post(fake, '/chat/completions', { model: 'gpt-4o-mini', messages });
    expect(noCap.status).toBe(429);
    expect(await noCap.json()).toMatchObject({ error: { type: 'tokens', code: 'rate_limit_exceeded' } });
    expect(noCap.headers.get('x-ratelimit-limit-requests')).toBeNull();
  });

  it('refills continuously', async () => {
    const { fake } = await start({ rateLimits: { rpm: 1, windowMs: 500 } });
    const body = { model: 'gpt-4o-mini', messages, max_completion_tokens: 5 };
    expect((await post(fake, '/chat/completions', body)).status).toBe(200);
    const limited = await post(fake, '/chat/completions', body);
    expect(limited.status).toBe(429);
    await new Promise((resolve) => setTimeout(resolve, Number(limited.headers.get('retry-after-ms')) + 20));
    expect((await post(fake, '/chat/completions', body)).status).toBe(200);
  });

  it('formats reset durations like OpenAI', () => {
    expect(formatResetDuration(120)).toBe('120ms');
    expect(formatResetDuration(1000)).toBe('1s');
    expect(formatResetDuration(17_500)).toBe('17.5s');
    expect(formatResetDuration(360_000)).toBe('6m0s');
    expect(formatResetDuration(3_723_000)).toBe('1h2m3s');
  });
});

describe('fake OpenAI: scripted faults', () => {
  it('answers 429 insufficient_quota, 5xx and 4xx, one fault per request', async () => {
    const { fake, sdk } = await start();
    fake.fail({ kind: 'insufficient_quota' }, { kind: 'status', status: 503 }, { kind: 'status', status: 401 });
    const errors = [];
    for (let i = 0; i < 3; i++) {
      errors.push(await sdk.chat.completions.create({ model: 'gpt-4o-mini', messages }).catch((e: unknown) => e));
    }
    expect(errors.map((e) => (e as APIError).status)).toEqual([429, 503, 401]);
    expect((errors[0] as APIError).code).toBe('insufficient_quota');
    expect(fake.pendingFaults()).toBe(0);
    const ok = await sdk.chat.completions.create({ model: 'gpt-4o-mini', messages });
    expect(ok.choices[0]?.message.content).toBeTruthy();
  });

  it('applies a fault only to the model it names', async () => {
    const { fake, sdk } = await start();
    fake.fail({ kind: 'status', status: 500, model: 'gpt-4o' });
    await sdk.chat.completions.create({ model: 'gpt-4o-mini', messages });
    expect(fake.pendingFaults()).toBe(1);
    await expect(sdk.chat.completions.create({ model: 'gpt-4o', messages })).rejects.toMatchObject({ status: 500 });
  });

  it('cuts a stream after N chunks: the SDK iteration throws', async () => {
    const { fake, sdk } = await start();
    fake.fail({ kind: 'cut', afterChunks: 2 });
    const stream = await sdk.chat.completions.create({ model: 'gpt-4o-mini', messages, stream: true });
    const received: string[] = [];
    const error = await (async () => {
      for await (const chunk of stream) received.push(chunk.choices[0]?.delta.content ?? '');
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/terminated/);
    expect(received).toHaveLength(2);
  });

  it('stalls a stream after N chunks, keeping the socket open', async () => {
    const { fake, sdk } = await start();
    fake.fail({ kind: 'stall', afterChunks: 2 });
    const controller = new AbortController();
    const stream = await sdk.chat.completions.create(
      { model: 'gpt-4o-mini', messages, stream: true },
      { signal: controller.signal },
    );
    const received: unknown[] = [];
    const timer = setTimeout(() => controller.abort(), 300);
    for await (const chunk of stream) received.push(chunk);
    clearTimeout(timer);
    expect(received).toHaveLength(2);
  });

  it('hangs before headers until the client gives up', async () => {
    const { fake, sdk } = await start();
    fake.fail({ kind: 'hang' });
    const error = await sdk.chat.completions
      .create({ model: 'gpt-4o-mini', messages }, { timeout: 200 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.APIConnectionTimeoutError);
    expect(fake.chatRequests()[0]?.status).toBe(0);
  });
});

describe('fake OpenAI: spec oracle', () => {
  it('rejects a request body that breaks the spec with 400 naming schema, pointer and rule', async () => {
    const { fake } = await start();
    const response = await post(fake, '/chat/completions', { model: 'gpt-4o-mini' });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: { message: string; code: string } };
    expect(body.error.code).toBe('spec_violation');
    expect(body.error.message).toContain(
      "CreateChatCompletionRequest at /: must have required property 'messages' (required)",
    );
    expect(fake.violations).toHaveLength(1);
    expect(fake.violations[0]).toMatchObject({ direction: 'request', schema: 'CreateChatCompletionRequest' });
    expect(() => fake.assertNoViolations()).toThrow(
      /CreateChatCompletionRequest at \/: must have required property 'messages'/,
    );
    fake.clearViolations();
  });

  it('catches a malformed request the SDK lets through (bad role)', async () => {
    const { fake, sdk } = await start();
    const error = await sdk.chat.completions
      .create({ model: 'gpt-4o-mini', messages: [{ role: 'robot', content: 'x' } as never] })
      .catch((e: unknown) => e);
    expect((error as APIError).status).toBe(400);
    expect(fake.violations[0]?.message).toMatch(/CreateChatCompletionRequest at \/messages\/0/);
    fake.clearViolations();
  });

  it('records a response chunk that breaks the spec (missing id)', async () => {
    const { fake, sdk } = await start({
      transformChunk: (chunk) => {
        const { id: _id, ...rest } = chunk;
        return rest;
      },
    });
    const stream = await sdk.chat.completions.create({ model: 'gpt-4o-mini', messages, stream: true });
    for await (const chunk of stream) void chunk;
    expect(fake.violations.length).toBeGreaterThan(0);
    expect(fake.violations[0]).toMatchObject({ direction: 'response', schema: 'CreateChatCompletionStreamResponse' });
    expect(fake.violations[0]?.message).toContain(
      "CreateChatCompletionStreamResponse at /: must have required property 'id' (required)",
    );
    expect(() => assertNoViolations(fake)).toThrow(/stream chunk 1/);
    fake.clearViolations();
  });

  it('accepts what OpenAI documents but the literal spec forbids (listed exceptions)', () => {
    expect(SPEC_EXCEPTIONS.map((e) => e.id)).toEqual(['nullable-keyword', 'unixtime-format']);
    const chunk = {
      id: 'chatcmpl-1',
      object: 'chat.completion.chunk',
      created: 1_700_000_000,
      model: 'gpt-4o-mini',
      choices: [{ index: 0, delta: { content: 'x' }, finish_reason: null, logprobs: null }],
      usage: null,
    };
    expect(validateAgainstSpec('CreateChatCompletionStreamResponse', chunk, 'response', 'test')).toBeUndefined();
    const bad = { ...chunk, choices: [{ index: 0, delta: { content: 'x' }, finish_reason: 'done' }] };
    expect(validateAgainstSpec('CreateChatCompletionStreamResponse', bad, 'response', 'test')?.errors).toContainEqual(
      expect.objectContaining({ pointer: '/choices/0/finish_reason', rule: 'enum' }),
    );
  });
});
