import type { ChatCompletionCreateParams } from 'openai/resources/chat/completions';
import { describe, expect, it } from 'vitest';
import {
  CACHE_RUN_SYSTEM_PROMPT,
  cachedShare,
  messageLine,
  runCachedConversation,
} from '../../helpers/promptCacheRun.js';

const options = { turns: 30, contextTokens: 2_256, maxCompletionTokens: 256, model: 'gpt-4o-mini' };

describe('prompt caching over a long thread (fake OpenAI prefix cache)', () => {
  it('keeps each request prefix byte-identical to the previous one except at a few large jumps; most input is cached', async () => {
    const { requests, ours, sliding } = await runCachedConversation(options);
    expect(requests).toHaveLength(options.turns);
    const bodies = requests.map((r) => (r.body as ChatCompletionCreateParams).messages);
    const prefixes = bodies.map((messages) => messages.slice(0, -1).map(messageLine));
    let jumps = 0;
    for (let i = 1; i < prefixes.length; i++) {
      const before = prefixes[i - 1]!;
      const now = prefixes[i]!;
      // The newest exchange is always in the request.
      expect(now.at(-2)).toBe(messageLine(bodies[i - 1]!.at(-1)!));
      if (now.length === before.length + 2 && before.every((m, k) => now[k] === m)) continue;
      jumps++;
      // A jump drops a large block at once (here: at least a third of the history), never a single old turn.
      expect(now.length).toBeLessThan(before.length * (2 / 3));
      expect(now[0]).toBe(`system: ${CACHE_RUN_SYSTEM_PROMPT}`);
    }
    expect(jumps).toBeGreaterThanOrEqual(1); // the history did overflow the budget
    expect(jumps).toBeLessThanOrEqual(3);
    for (const r of requests)
      expect(r.promptTokens).toBeLessThanOrEqual(options.contextTokens - options.maxCompletionTokens);
    // Measured here: ours ≈ 0.79, the one-turn sliding window ≈ 0.22 of prompt tokens served from cache.
    const share = cachedShare(ours);
    const slidingShare = cachedShare(sliding);
    expect(share, `cached share ours ${share.toFixed(3)} vs sliding ${slidingShare.toFixed(3)}`).toBeGreaterThanOrEqual(
      0.7,
    );
    expect(slidingShare).toBeLessThan(share / 2);
  });
});
