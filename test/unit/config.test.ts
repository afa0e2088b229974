import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError, DEFAULT_SYSTEM_PROMPT, loadConfig } from '../../src/config/config.js';

const required = { DISCORD_TOKEN: 'discord-secret-token', OPENAI_API_KEY: 'sk-secret-key' };

const problemsOf = (env: NodeJS.ProcessEnv): string[] => {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
};

describe('configuration', () => {
  it('fills every default from SPEC.md', () => {
    const c = loadConfig(required);
    expect(c.discord.apiBase).toBe('https://discord.com/api');
    expect(c.discord.clientId).toBeUndefined();
    expect(c.discord.guildId).toBeUndefined();
    expect(c.openai).toMatchObject({
      model: 'gpt-4o-mini',
      rpm: 500,
      tpm: 200_000,
      moderation: false,
      baseURL: undefined,
      fallbackModel: undefined,
    });
    expect(c).toMatchObject({
      maxCompletionTokens: 1024,
      maxInputChars: 8000,
      summaryMemory: true,
      contextTokens: 16_000,
      defaultSystemPrompt: DEFAULT_SYSTEM_PROMPT,
      databaseUrl: 'sqlite://data/bot.sqlite',
      editIntervalMs: 1000,
      userMessagesPerMinute: 10,
      guildDailyTokens: 0,
      logLevel: 'info',
    });
  });

  it('parses given values, treating empty strings as unset', () => {
    const c = loadConfig({
      ...required,
      OPENAI_RPM: '20',
      OPENAI_MODERATION: 'true',
      SUMMARY_MEMORY: 'false',
      OPENAI_BASE_URL: '',
      DISCORD_GUILD_ID: '123456789012345678',
    });
    expect(c.openai.rpm).toBe(20);
    expect(c.openai.moderation).toBe(true);
    expect(c.summaryMemory).toBe(false);
    expect(c.openai.baseURL).toBeUndefined();
    expect(c.discord.guildId).toBe('123456789012345678');
  });

  it('reports one clear line per problem', () => {
    const problems = problemsOf({
      OPENAI_RPM: 'lots',
      EDIT_INTERVAL_MS: '5',
      LOG_LEVEL: 'loud',
      DISCORD_API_BASE: 'discord.com',
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        'DISCORD_TOKEN: is required',
        'OPENAI_API_KEY: is required',
        expect.stringMatching(/^OPENAI_RPM: must be a whole number/),
        expect.stringMatching(/^EDIT_INTERVAL_MS: must be a whole number from 250/),
        expect.stringMatching(/^LOG_LEVEL: /),
        expect.stringMatching(/^DISCORD_API_BASE: must be a URL/),
      ]),
    );
    expect(problems).toHaveLength(6);
  });

  it('never echoes a value, so a secret in the wrong place is not printed', () => {
    const secret = 'sk-live-ABCDEF1234567890';
    const problems = problemsOf({ ...required, DISCORD_CLIENT_ID: secret, OPENAI_RPM: secret, DATABASE_URL: secret });
    expect(problems.length).toBe(3);
    expect(problems.join('\n')).not.toContain(secret);
    expect(problems.join('\n')).not.toContain('discord-secret-token');
  });

  it("DISCORD_SHARD_IDS: lists and ranges of this machine's shards, below the fixed DISCORD_SHARDS", () => {
    expect(loadConfig({ ...required, DISCORD_SHARDS: '8', DISCORD_SHARD_IDS: '4-6, 0,5' }).shardIds).toEqual([
      0, 4, 5, 6,
    ]);
    expect(loadConfig({ ...required, DISCORD_SHARDS: '8', DISCORD_SHARD_IDS: '' }).shardIds).toBeUndefined();
    expect(problemsOf({ ...required, DISCORD_SHARDS: '8', DISCORD_SHARD_IDS: '6-9' })).toEqual([
      'DISCORD_SHARD_IDS: must be below DISCORD_SHARDS (8)',
    ]);
    expect(problemsOf({ ...required, DISCORD_SHARDS: 'auto', DISCORD_SHARD_IDS: '0' })).toEqual([
      expect.stringMatching(/^DISCORD_SHARD_IDS: needs DISCORD_SHARDS set to the same total/),
    ]);
    expect(problemsOf({ ...required, DISCORD_SHARDS: '4', DISCORD_SHARD_IDS: 'first' })).toEqual([
      'DISCORD_SHARD_IDS: must be shard ids like 0,1 or 0-3',
    ]);
    expect(problemsOf({ ...required, DISCORD_SHARDS: '4', DISCORD_SHARD_IDS: '3-1' })).toEqual([
      expect.stringMatching(/^DISCORD_SHARD_IDS: must be shard ids like 0,1 or 0-3, each below/),
    ]);
  });

  it('rejects an answer cap that leaves no room for the conversation', () => {
    expect(problemsOf({ ...required, CONTEXT_TOKENS: '1000', MAX_COMPLETION_TOKENS: '1000' })).toEqual([
      expect.stringMatching(/^MAX_COMPLETION_TOKENS: must be smaller than CONTEXT_TOKENS/),
    ]);
  });

  it('.env.example lists every variable the bot reads', () => {
    const example = readFileSync(new URL('../../.env.example', import.meta.url), 'utf8');
    const listed = new Set([...example.matchAll(/^([A-Z_]+)=/gm)].map((m) => m[1]));
    const spec = [
      'DISCORD_TOKEN',
      'DISCORD_CLIENT_ID',
      'DISCORD_GUILD_ID',
      'DISCORD_API_BASE',
      'OPENAI_API_KEY',
      'OPENAI_BASE_URL',
      'OPENAI_MODEL',
      'OPENAI_RPM',
      'OPENAI_TPM',
      'OPENAI_FALLBACK_MODEL',
      'OPENAI_MODERATION',
      'MAX_COMPLETION_TOKENS',
      'MAX_INPUT_CHARS',
      'SUMMARY_MEMORY',
      'CONTEXT_TOKENS',
      'DEFAULT_SYSTEM_PROMPT',
      'DATABASE_URL',
      'EDIT_INTERVAL_MS',
      'USER_MESSAGES_PER_MINUTE',
      'GUILD_DAILY_TOKENS',
      'LOG_LEVEL',
    ];
    for (const name of spec) expect(listed.has(name), name).toBe(true);
    // And the example as shipped (required values empty) fails only on the required values.
    const env = Object.fromEntries([...example.matchAll(/^([A-Z_]+)=(.*)$/gm)].map((m) => [m[1]!, m[2]!]));
    expect(problemsOf(env)).toEqual(['DISCORD_TOKEN: is required', 'OPENAI_API_KEY: is required']);
  });
});
