import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/config.js';
import { createModelCatalog } from '../../../src/llm/modelCatalog.js';
import { createModelTable } from '../../../src/llm/models.js';
import { createPricing, pricingFrom } from '../../../src/llm/pricing.js';

const env = { DISCORD_TOKEN: 'x', OPENAI_API_KEY: 'sk-test' };

describe('model capability table', () => {
  it('knows the OpenAI families, their dated snapshots and longer names of a family', () => {
    const table = createModelTable();
    expect(table.capabilities('gpt-4o-mini')).toMatchObject({ contextWindow: 128_000, vision: true, reasoning: false });
    expect(table.capabilities('gpt-5-mini-2025-08-07')).toMatchObject({ contextWindow: 400_000, reasoning: true });
    expect(table.capabilities('o3-pro')).toMatchObject({ reasoning: true, contextWindow: 200_000 });
    expect(table.capabilities('o3-mini').vision).toBe(false);
    expect(table.capabilities('llama3:8b')).toEqual({ vision: false, reasoning: false });
    expect(table.capabilities('constructor')).toEqual({ vision: false, reasoning: false });
  });

  it('lets the operator override or add models, and OPENAI_PRICES wins for prices', () => {
    const config = loadConfig({
      ...env,
      OPENAI_MODEL_CAPABILITIES:
        '{"qwen3":{"contextWindow":32768,"reasoning":true,"tokenParam":"max_tokens"},"gpt-4o":{"contextWindow":64000}}',
      OPENAI_PRICES: '{"qwen3":{"input":0.1,"output":0.2}}',
    });
    const table = createModelTable(config.openai.capabilities, config.openai.prices);
    expect(table.capabilities('qwen3')).toEqual({
      contextWindow: 32768,
      reasoning: true,
      vision: false,
      tokenParam: 'max_tokens',
      price: { input: 0.1, output: 0.2 },
    });
    expect(table.capabilities('gpt-4o')).toMatchObject({ contextWindow: 64000, vision: true, price: { input: 2.5 } });
    expect(() => loadConfig({ ...env, OPENAI_MODEL_CAPABILITIES: '{"x":{"window":1}}' })).toThrow(
      /OPENAI_MODEL_CAPABILITIES: must be JSON/,
    );
  });
});

describe('pricing with cached input and reasoning', () => {
  it('bills cached prompt tokens at the cached rate and the rest at the input rate', () => {
    const pricing = createPricing();
    // gpt-4o-mini: 0.15 input, 0.075 cached, 0.6 output per 1M.
    expect(pricing.costUsd('gpt-4o-mini', 1_000_000, 0, 800_000)).toBeCloseTo(
      (200_000 * 0.15 + 800_000 * 0.075) / 1e6,
      12,
    );
    // gpt-5: cached input costs a tenth.
    expect(pricing.costUsd('gpt-5', 1_000_000, 0, 1_000_000)).toBeCloseTo(0.125, 12);
    // Cached tokens never exceed the prompt; a model without a cached price bills them as input.
    expect(pricing.costUsd('gpt-4o-mini', 100, 0, 500)).toBeCloseTo((100 * 0.075) / 1e6, 12);
    expect(pricing.costUsd('gpt-3.5-turbo', 1_000_000, 0, 1_000_000)).toBeCloseTo(0.5, 12);
  });

  it('prices reasoning tokens as output: they are part of completion tokens', () => {
    const pricing = pricingFrom(createModelTable());
    expect(pricing.costUsd('o4-mini', 0, 1_000_000)).toBeCloseTo(4.4, 10);
  });
});

describe('model catalog', () => {
  it('OPENAI_MODEL must be in OPENAI_MODELS; the list defaults to OPENAI_MODEL alone', () => {
    expect(() => loadConfig({ ...env, OPENAI_MODEL: 'gpt-4o', OPENAI_MODELS: 'gpt-4o-mini,o4-mini' })).toThrow(
      /OPENAI_MODEL: must be one of OPENAI_MODELS/,
    );
    expect(loadConfig(env).openai.models).toEqual(['gpt-4o-mini']);
    expect(loadConfig({ ...env, OPENAI_MODELS: ' gpt-4o-mini , o4-mini,o4-mini' }).openai.models).toEqual([
      'gpt-4o-mini',
      'o4-mini',
    ]);
  });

  it('caps the window by CONTEXT_TOKENS, the table and what a server taught; calibrates estimates with a margin', () => {
    const catalog = createModelCatalog(loadConfig({ ...env, OPENAI_MODELS: 'gpt-4o-mini,gpt-3.5-turbo,local' }).openai);
    expect(catalog.contextWindow('gpt-4o-mini', 16_000)).toBe(16_000);
    expect(catalog.contextWindow('gpt-3.5-turbo', 100_000)).toBe(16_385);
    catalog.learnWindow('local', 512);
    expect(catalog.contextWindow('local', 16_000)).toBe(512);
    expect(catalog.estimateFactor('local')).toBe(1);
    catalog.observePrompt('local', 1000, 1120); // llama's tokenizer ran 12 % over our o200k estimate
    expect(catalog.estimateFactor('local')).toBeCloseTo(1.12 * 1.05, 5);
    catalog.observePrompt('gpt-4o-mini', 1000, 1005); // noise: no scaling
    expect(catalog.estimateFactor('gpt-4o-mini')).toBe(1);
    expect(catalog.inForce('nope', 'gpt-3.5-turbo')).toBe('gpt-3.5-turbo');
    expect(catalog.inForce(undefined, undefined)).toBe('gpt-4o-mini');
  });
});
