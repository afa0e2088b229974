import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeOpenAI, type FakeOpenAI } from './index.js';
import { CACHE_BLOCK_TOKENS, CACHE_MIN_PROMPT_TOKENS } from './promptCache.js';

describe('fake OpenAI: prompt cache, reasoning and server windows (round 2)', () => {
  let fake: FakeOpenAI | undefined;
  afterEach(async () => {
    await fake?.close();
    fake?.assertNoViolations();
  });
  const client = (f: FakeOpenAI) => new OpenAI({ apiKey: 'sk-test', baseURL: f.url, maxRetries: 0 });
  const history = 'The keeper logged every ship that passed the lighthouse that winter. '.repeat(120);

  it('caches only prompts of 1,024+ tokens, in 128-token blocks of the prefix shared with an earlier request', async () => {
    fake = await startFakeOpenAI();
    const openai = client(fake);
    const ask = async (question: string, system = history) => {
      const r = await openai.chat.completions.create({
        model: 'gpt-4o-mini',
        messages: [
          { role: 'system', content: system },
          { role: 'user', content: question },
        ],
      });
      return r.usage!;
    };
    expect((await ask('first?')).prompt_tokens_details?.cached_tokens).toBe(0);
    const second = await ask('second?');
    const cached = second.prompt_tokens_details?.cached_tokens ?? 0;
    expect(second.prompt_tokens).toBeGreaterThanOrEqual(CACHE_MIN_PROMPT_TOKENS);
    expect(cached % CACHE_BLOCK_TOKENS).toBe(0);
    expect(cached).toBeGreaterThan(second.prompt_tokens - CACHE_BLOCK_TOKENS - 20);
    expect(cached).toBeLessThanOrEqual(second.prompt_tokens);
    // A changed first message shares no prefix; a short prompt is never cached.
    expect((await ask('third?', `Changed. ${history}`)).prompt_tokens_details?.cached_tokens).toBe(0);
    await ask('short', 'hi');
    expect((await ask('short', 'hi')).prompt_tokens_details?.cached_tokens).toBe(0);
  });

  it('spends the cap on reasoning first, reports reasoning tokens, and answers 400 in llama.cpp shape over n_ctx', async () => {
    fake = await startFakeOpenAI({
      reasoning: { style: 'reasoning_content', tokens: 30 },
      answer: () => 'word '.repeat(50),
    });
    const openai = client(fake);
    const r = await openai.chat.completions.create({
      model: 'qwen',
      max_completion_tokens: 40,
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(r.choices[0]?.finish_reason).toBe('length');
    expect(r.usage?.completion_tokens_details?.reasoning_tokens).toBe(30);
    expect(r.usage?.completion_tokens).toBe(40);
    fake.setContextWindow({ tokens: 5, shape: 'llamacpp' });
    const error = await openai.chat.completions
      .create({ model: 'qwen', messages: [{ role: 'user', content: 'a longer message than five tokens' }] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect((error as InstanceType<typeof OpenAI.APIError>).error).toMatchObject({
      type: 'exceed_context_size_error',
      n_ctx: 5,
    });
  });
});
