import type { PriceTable } from '../config/config.js';

/**
 * USD per 1M tokens (input, output) from OpenAI's public price list (standard tier, uncached input).
 * Prices change: operators override or add models with OPENAI_PRICES (config.openai.prices), which wins.
 * Unknown models cost 0 (their tokens are still counted).
 */
export const DEFAULT_PRICES: PriceTable = {
  'gpt-4o-mini': { input: 0.15, output: 0.6 },
  'gpt-4o': { input: 2.5, output: 10 },
  'gpt-4.1': { input: 2, output: 8 },
  'gpt-4.1-mini': { input: 0.4, output: 1.6 },
  'gpt-4.1-nano': { input: 0.1, output: 0.4 },
  'gpt-5': { input: 1.25, output: 10 },
  'gpt-5-mini': { input: 0.25, output: 2 },
  'gpt-5-nano': { input: 0.05, output: 0.4 },
  o3: { input: 2, output: 8 },
  'o3-mini': { input: 1.1, output: 4.4 },
  'o4-mini': { input: 1.1, output: 4.4 },
  'gpt-3.5-turbo': { input: 0.5, output: 1.5 },
  // Moderation is free.
  'omni-moderation-latest': { input: 0, output: 0 },
};

const TOKENS_PER_PRICE_UNIT = 1_000_000;
/** Dated snapshots (`gpt-4o-mini-2024-07-18`) cost what their alias costs. */
const SNAPSHOT_SUFFIX = /-\d{4}-\d{2}-\d{2}$/;

export interface Pricing {
  /** The price entry used for `model`, or undefined when the model is unknown. */
  priceOf(model: string): { input: number; output: number } | undefined;
  costUsd(model: string, promptTokens: number, completionTokens: number): number;
}

export function createPricing(overrides: PriceTable = {}): Pricing {
  const table: PriceTable = { ...DEFAULT_PRICES, ...overrides };
  const own = (key: string) => (Object.hasOwn(table, key) ? table[key] : undefined);
  const priceOf = (model: string) => own(model) ?? own(model.replace(SNAPSHOT_SUFFIX, ''));
  return {
    priceOf,
    costUsd(model, promptTokens, completionTokens) {
      const price = priceOf(model);
      if (!price) return 0;
      return (promptTokens * price.input + completionTokens * price.output) / TOKENS_PER_PRICE_UNIT;
    },
  };
}
