import type { Config } from '../../../src/config/config.js';
import type { UsageEntry, UsageRecorder } from '../../../src/store/types.js';
import { openaiConfig } from '../../helpers/testConfig.js';

/** A UsageRecorder that keeps entries in memory. */
export class MemoryUsage implements UsageRecorder {
  readonly entries: UsageEntry[] = [];
  async recordUsage(entry: UsageEntry): Promise<void> {
    this.entries.push(entry);
  }
}

/** The shared test config with the short timeouts these tests rely on. */
export const testOpenAIConfig = (baseURL: string, overrides: Partial<Config['openai']> = {}): Config['openai'] =>
  openaiConfig(baseURL, { rpm: 10_000, tpm: 10_000_000, timeoutMs: 2_000, stallTimeoutMs: 1_000, ...overrides });

/** Snowflake-looking ids, like Discord's. */
export const USER_ID = '123456789012345678';
export const GUILD_ID = '876543210987654321';
