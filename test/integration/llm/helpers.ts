import type { Config } from '../../../src/config/config.js';
import type { UsageEntry, UsageRecorder } from '../../../src/store/types.js';

/** A UsageRecorder that keeps entries in memory. */
export class MemoryUsage implements UsageRecorder {
  readonly entries: UsageEntry[] = [];
  async recordUsage(entry: UsageEntry): Promise<void> {
    this.entries.push(entry);
  }
}

/** An openai config pointing at a fake server, with generous limits and short timeouts for tests. */
export function testOpenAIConfig(baseURL: string, overrides: Partial<Config['openai']> = {}): Config['openai'] {
  return {
    apiKey: 'sk-test-0123456789abcdef',
    baseURL,
    model: 'gpt-4o-mini',
    rpm: 10_000,
    tpm: 10_000_000,
    moderation: false,
    useMaxTokens: false,
    prices: {},
    timeoutMs: 2_000,
    stallTimeoutMs: 1_000,
    ...overrides,
  };
}

/** Snowflake-looking ids, like Discord's. */
export const USER_ID = '123456789012345678';
export const GUILD_ID = '876543210987654321';
