import type { Config } from '../../src/config/config.js';

/** OpenAI settings pointing at a fake server, with limits far away unless a test sets them. */
export function openaiConfig(baseURL: string, overrides: Partial<Config['openai']> = {}): Config['openai'] {
  return {
    apiKey: 'sk-test-not-a-real-key',
    baseURL,
    model: 'gpt-4o-mini',
    rpm: 100_000,
    tpm: 100_000_000,
    moderation: false,
    useMaxTokens: false,
    prices: {},
    timeoutMs: 10_000,
    stallTimeoutMs: 5_000,
    models: [overrides.model ?? 'gpt-4o-mini'],
    firstTokenTimeoutMs: 10_000,
    promptCacheKey: false,
    capabilities: {},
    ...overrides,
  };
}

/** Attachment and tool settings for conversation tests (the bot reads them from the environment). */
export const testTurnSettings = {
  attachments: { vision: true, detail: 'high', maxAttachments: 4, maxBytes: 10_485_760, maxChars: 40_000 },
  tools: { maxRounds: 5, timeoutMs: 20_000, maxResultChars: 20_000 },
  attachmentHostBase: 'http://127.0.0.1',
} as const;
