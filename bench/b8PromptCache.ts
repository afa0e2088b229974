/**
 * B8 — the provider's prompt cache over a long thread.
 *
 * A 60-turn conversation that overflows a 3,000-token prompt budget, through the real ConversationService and the
 * fake OpenAI's prefix cache (cached = longest shared prefix with an earlier request, 128-token blocks, ≥ 1,024
 * tokens). Baseline, in the same run: the same stored conversation replayed through the one-turn sliding window
 * against the same cache model. Input cost is priced at gpt-5-mini's rates (cached input at a tenth).
 */
import { createPricing } from '../src/llm/pricing.js';
import { cachedShare, runCachedConversation, type CallTokens } from '../test/helpers/promptCacheRun.js';
import type { Row } from './lib/report.js';
import type { BenchContext } from './lib/util.js';

const MODEL = 'gpt-5-mini';

export async function runB8(ctx: BenchContext): Promise<{ rows: Row[]; settings: unknown }> {
  const settings = { turns: ctx.quick ? 30 : 60, contextTokens: 3_256, maxCompletionTokens: 256, model: MODEL };
  ctx.log(`B8 ${settings.turns} turns, ${settings.contextTokens - settings.maxCompletionTokens}-token prompt budget`);
  const run = await runCachedConversation(settings);
  const pricing = createPricing();
  const inputCost = (calls: readonly CallTokens[]) =>
    calls.reduce((sum, c) => sum + pricing.costUsd(MODEL, c.prompt, 0, c.cached), 0) / Math.max(1, calls.length);
  const ours = cachedShare(run.ours);
  const sliding = cachedShare(run.sliding);
  const costRatio = inputCost(run.ours) / inputCost(run.sliding);
  // The newest exchange must be in every request: the answer never loses the conversation's recent context.
  const missingNewest = run.requests.filter((r, i) => {
    if (i === 0) return false;
    const messages = (r.body as { messages: Array<{ content: unknown }> }).messages;
    const previous = (run.requests[i - 1]!.body as { messages: Array<{ content: unknown }> }).messages.at(-1)?.content;
    return messages.at(-3)?.content !== previous;
  }).length;
  const rows: Row[] = [
    {
      id: 'B8',
      case: `${settings.turns} turns`,
      metric: 'prompt tokens served from cache',
      unit: '%',
      value: ours * 100,
      baseline: sliding * 100,
      target: '≥ 70 %',
      met: ours >= 0.7,
      note: 'baseline: the one-turn sliding window, same conversation, same cache model',
    },
    {
      id: 'B8',
      case: `${settings.turns} turns`,
      metric: 'input cost per turn, ours ÷ sliding',
      unit: 'ratio',
      value: costRatio,
      target: '≤ 0.5×',
      met: costRatio <= 0.5,
      note: `$${inputCost(run.ours).toFixed(6)} vs $${inputCost(run.sliding).toFixed(6)} per turn at ${MODEL} prices`,
    },
    {
      id: 'B8',
      case: `${settings.turns} turns`,
      metric: 'requests missing the newest exchange',
      unit: 'count',
      value: missingNewest,
      target: '0',
      met: missingNewest === 0,
    },
  ];
  return { rows, settings };
}
