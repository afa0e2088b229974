import type { PriceTable } from '../config/config.js';
import { BUILT_IN_MODELS, createModelTable, type ModelPrice, type ModelTable } from './models.js';

/**
 * USD per 1M tokens (input, cached input, output) of the built-in models (models.ts). Operators override or add
 * models with OPENAI_PRICES (config.openai.prices), which wins. Unknown models cost 0 (their tokens still count).
 */
export const DEFAULT_PRICES: PriceTable = Object.fromEntries(
  Object.entries(BUILT_IN_MODELS).flatMap(([name, caps]) => (caps.price ? [[name, caps.price]] : [])),
);

const TOKENS_PER_PRICE_UNIT = 1_000_000;

/** One call's billable tokens. Cached tokens are part of the prompt tokens; reasoning tokens of the completion. */
export interface BilledTokens {
  promptTokens: number;
  completionTokens: number;
  cachedTokens?: number;
}

export interface Pricing {
  priceOf(model: string): ModelPrice | undefined;
  /** Cached prompt tokens at the cached rate, the rest of the prompt at the input rate; reasoning as output. */
  costUsd(model: string, promptTokens: number, completionTokens: number, cachedTokens?: number): number;
}

export function pricingFrom(table: Pick<ModelTable, 'priceOf'>): Pricing {
  return {
    priceOf: table.priceOf,
    costUsd(model, promptTokens, completionTokens, cachedTokens = 0) {
      const price = table.priceOf(model);
      if (!price) return 0;
      const cached = Math.min(Math.max(0, cachedTokens), promptTokens);
      const cachedRate = price.cachedInput ?? price.input;
      const micros = (promptTokens - cached) * price.input + cached * cachedRate + completionTokens * price.output;
      return micros / TOKENS_PER_PRICE_UNIT;
    },
  };
}

export function createPricing(overrides: PriceTable = {}): Pricing {
  return pricingFrom(createModelTable({}, overrides));
}
