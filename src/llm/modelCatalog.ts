/**
 * The models of this bot at run time: the allowed list, each model's capabilities, and what servers taught us —
 * a context window smaller than configured (learned from a context error) and how far our token estimate runs
 * under the server's own count (from `usage.prompt_tokens`). In memory: a restart relearns both in one call.
 */
import type { Config } from '../config/config.js';
import { createModelTable, type ModelCapabilities, type ModelTable } from './models.js';

/** Estimates below this are too small to calibrate on (framing overhead dominates). */
const MIN_CALIBRATION_TOKENS = 200;
/** Weight of the newest observation in the running ratio. */
const CALIBRATION_WEIGHT = 0.3;
/** Ratios this close to 1 are noise; beyond it the estimate is scaled, plus a safety margin. */
const CALIBRATION_NOISE = 1.02;
const CALIBRATION_MARGIN = 1.05;

export interface ModelCatalog extends ModelTable {
  /** OPENAI_MODELS; the first is not necessarily the default. */
  readonly allowed: readonly string[];
  readonly defaultModel: string;
  isAllowed(model: string): boolean;
  /** The first offered model among the choices (thread's, then server's), else OPENAI_MODEL. */
  inForce(...choices: Array<string | undefined>): string;
  /** Tokens one request to `model` may hold: CONTEXT_TOKENS, capped by the table and by what the server said. */
  contextWindow(model: string, configured: number): number;
  /** A server said the model holds only `tokens`. */
  learnWindow(model: string, tokens: number): void;
  /** Our estimate of a prompt next to the server's count of it. */
  observePrompt(model: string, estimated: number, reported: number): void;
  /** Multiply our token estimates by this before comparing them with the model's window (≥ 1). */
  estimateFactor(model: string): number;
}

export function createModelCatalog(
  config: Pick<Config['openai'], 'model' | 'models' | 'capabilities' | 'prices'>,
): ModelCatalog {
  const table = createModelTable(config.capabilities, config.prices);
  const learned = new Map<string, number>();
  const ratios = new Map<string, number>();
  const allowed = new Set(config.models);
  return {
    capabilities: (model): ModelCapabilities => table.capabilities(model),
    priceOf: table.priceOf,
    allowed: config.models,
    defaultModel: config.model,
    isAllowed: (model) => allowed.has(model),
    inForce: (...choices) => choices.find((c): c is string => c !== undefined && allowed.has(c)) ?? config.model,
    contextWindow(model, configured) {
      const known = table.capabilities(model).contextWindow ?? Number.POSITIVE_INFINITY;
      return Math.min(configured, known, learned.get(model) ?? Number.POSITIVE_INFINITY);
    },
    learnWindow(model, tokens) {
      if (tokens > 0) learned.set(model, Math.min(tokens, learned.get(model) ?? tokens));
    },
    observePrompt(model, estimated, reported) {
      if (estimated < MIN_CALIBRATION_TOKENS || reported <= 0) return;
      const ratio = reported / estimated;
      const previous = ratios.get(model);
      ratios.set(model, previous === undefined ? ratio : previous + CALIBRATION_WEIGHT * (ratio - previous));
    },
    estimateFactor(model) {
      const ratio = ratios.get(model) ?? 1;
      return ratio > CALIBRATION_NOISE ? ratio * CALIBRATION_MARGIN : 1;
    },
  };
}
