import { afterEach, describe, expect, it } from 'vitest';
import { createModelClient, type ModelClient } from '../../../src/llm/modelClient.js';
import { countPromptTokens } from '../../../src/tokens/tokenCounter.js';
import { startFakeOpenAI, type FakeOpenAI } from '../../fakes/openai/index.js';
import { openaiConfig } from '../../helpers/testConfig.js';

describe('token estimate calibration from the server usage', () => {
  let fake: FakeOpenAI | undefined;
  let client: ModelClient | undefined;
  afterEach(async () => {
    await client?.close();
    await fake?.close();
  });

  it("learns that a server's tokenizer counts 12 % more than our estimate, and scales budgets with a margin", async () => {
    fake = await startFakeOpenAI({ promptTokenScale: 1.12 });
    client = createModelClient({
      config: openaiConfig(fake.url, { model: 'local-qwen' }),
      maxCompletionTokens: 64,
      usage: { recordUsage: async () => {} },
    });
    const content = 'How many ships passed the lighthouse last night, and which way were they heading? '.repeat(20);
    const messages = [{ role: 'user' as const, content }];
    const promptTokens = countPromptTokens(messages);
    expect(client.catalog.estimateFactor('local-qwen')).toBe(1);
    for (let i = 0; i < 3; i++) await client.streamChat({ messages, promptTokens, userId: '1', guildId: null });
    expect(fake.chatRequests()[0]!.promptTokens).toBe(Math.round(promptTokens * 1.12));
    expect(client.catalog.estimateFactor('local-qwen')).toBeGreaterThan(1.12);
    expect(client.catalog.estimateFactor('local-qwen')).toBeLessThan(1.2);
    // Other models keep their own calibration.
    expect(client.catalog.estimateFactor('gpt-4o-mini')).toBe(1);
    fake.assertNoViolations();
  });
});
