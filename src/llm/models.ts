/**
 * What the bot knows about each model: context window, vision, reasoning, which token parameter it takes, and its
 * price (USD per 1M tokens: input, cached input, output). Known OpenAI families are built in; the operator
 * overrides or adds models with OPENAI_MODEL_CAPABILITIES (and prices with OPENAI_PRICES).
 */
import { z } from 'zod';

export const modelPriceSchema = z.object({
  input: z.number().min(0),
  /** Cached prompt tokens; defaults to the input price when a provider has no discount. */
  cachedInput: z.number().min(0).optional(),
  output: z.number().min(0),
});
export type ModelPrice = z.output<typeof modelPriceSchema>;

export const capabilityOverrideSchema = z.record(
  z.string(),
  z
    .object({
      contextWindow: z.number().int().min(256),
      vision: z.boolean(),
      reasoning: z.boolean(),
      tokenParam: z.enum(['max_completion_tokens', 'max_tokens']),
      price: modelPriceSchema,
    })
    .partial()
    .strict(),
);
export type CapabilityOverrides = z.output<typeof capabilityOverrideSchema>;

export interface ModelCapabilities {
  /** Tokens the model can hold (prompt + answer); undefined = unknown, CONTEXT_TOKENS decides. */
  contextWindow?: number;
  vision: boolean;
  reasoning: boolean;
  /** undefined = the config's choice (OPENAI_USE_MAX_TOKENS). */
  tokenParam?: 'max_completion_tokens' | 'max_tokens';
  price?: ModelPrice;
}

const family = (contextWindow: number, vision: boolean, reasoning: boolean, price: ModelPrice): ModelCapabilities => ({
  contextWindow,
  vision,
  reasoning,
  tokenParam: 'max_completion_tokens',
  price,
});

/** OpenAI's public list (standard tier, 2025–2026 snapshots). Prices change: OPENAI_PRICES wins. */
export const BUILT_IN_MODELS: Readonly<Record<string, ModelCapabilities>> = {
  'gpt-4o-mini': family(128_000, true, false, { input: 0.15, cachedInput: 0.075, output: 0.6 }),
  'gpt-4o': family(128_000, true, false, { input: 2.5, cachedInput: 1.25, output: 10 }),
  'gpt-4.1': family(1_047_576, true, false, { input: 2, cachedInput: 0.5, output: 8 }),
  'gpt-4.1-mini': family(1_047_576, true, false, { input: 0.4, cachedInput: 0.1, output: 1.6 }),
  'gpt-4.1-nano': family(1_047_576, true, false, { input: 0.1, cachedInput: 0.025, output: 0.4 }),
  'gpt-5': family(400_000, true, true, { input: 1.25, cachedInput: 0.125, output: 10 }),
  'gpt-5-mini': family(400_000, true, true, { input: 0.25, cachedInput: 0.025, output: 2 }),
  'gpt-5-nano': family(400_000, true, true, { input: 0.05, cachedInput: 0.005, output: 0.4 }),
  o3: family(200_000, true, true, { input: 2, cachedInput: 0.5, output: 8 }),
  'o3-mini': family(200_000, false, true, { input: 1.1, cachedInput: 0.55, output: 4.4 }),
  'o4-mini': family(200_000, true, true, { input: 1.1, cachedInput: 0.275, output: 4.4 }),
  'gpt-3.5-turbo': family(16_385, false, false, { input: 0.5, output: 1.5 }),
  'omni-moderation-latest': { vision: true, reasoning: false, price: { input: 0, cachedInput: 0, output: 0 } },
};

/** Dated snapshots (`gpt-4o-mini-2024-07-18`) behave like their alias. */
const SNAPSHOT_SUFFIX = /-\d{4}-\d{2}-\d{2}$/;
const UNKNOWN: ModelCapabilities = { vision: false, reasoning: false };

/**
 * The entry for `model`: exact name, then without a date suffix, then the longest known family name it extends
 * (`o3-pro` → `o3`). Own properties only, so `constructor` or `__proto__` are unknown models.
 */
export function lookupModel(
  table: Readonly<Record<string, ModelCapabilities>>,
  model: string,
): ModelCapabilities | undefined {
  const own = (key: string) => (Object.hasOwn(table, key) ? table[key] : undefined);
  const exact = own(model) ?? own(model.replace(SNAPSHOT_SUFFIX, ''));
  if (exact) return exact;
  const prefix = Object.keys(table)
    .filter((name) => model.startsWith(`${name}-`))
    .sort((a, b) => b.length - a.length)[0];
  return prefix === undefined ? undefined : table[prefix];
}

export interface ModelTable {
  capabilities(model: string): ModelCapabilities;
  /** The price used for `model`, or undefined when unknown (its tokens are still counted, at no cost). */
  priceOf(model: string): ModelPrice | undefined;
}

/** Built-in table, then the operator's capability overrides, then OPENAI_PRICES (field by field). */
export function createModelTable(
  overrides: CapabilityOverrides = {},
  prices: Record<string, ModelPrice> = {},
): ModelTable {
  const table: Record<string, ModelCapabilities> = { ...BUILT_IN_MODELS };
  const merge = (name: string, patch: Partial<ModelCapabilities>) => {
    const base = lookupModel(table, name) ?? UNKNOWN;
    table[name] = { ...base, ...patch };
  };
  for (const [name, patch] of Object.entries(overrides)) merge(name, patch);
  for (const [name, price] of Object.entries(prices)) merge(name, { price });
  return {
    capabilities: (model) => lookupModel(table, model) ?? UNKNOWN,
    priceOf: (model) => lookupModel(table, model)?.price,
  };
}
