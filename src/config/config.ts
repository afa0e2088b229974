import { z } from 'zod';
import {
  capabilityOverrideSchema,
  modelPriceSchema,
  type CapabilityOverrides,
  type ModelPrice,
} from '../llm/models.js';
import { bool, idList, int, nonEmpty, optionalInt, snowflake, url } from './fields.js';

export const DEFAULT_SYSTEM_PROMPT =
  'You are a helpful assistant chatting in a Discord thread. Answer clearly and concisely; use Markdown where it helps.';

const SECRET_KEYS = new Set(['DISCORD_TOKEN', 'OPENAI_API_KEY']);

export type PriceTable = Record<string, ModelPrice>;

const priceSchema = z.record(z.string(), modelPriceSchema.strict());
const PRICES_PROBLEM = 'must be JSON like {"gpt-4o-mini":{"input":0.15,"output":0.6}} (USD per 1M tokens)';

function parsePrices(raw: string | undefined): PriceTable | undefined {
  if (raw === undefined || raw.trim() === '') return {};
  try {
    const parsed = priceSchema.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

const SHARD_IDS_NEED_TOTAL = 'needs DISCORD_SHARDS set to the same total number of shards (2 or more) on every machine';
const CAPABILITIES_PROBLEM =
  'must be JSON like {"my-model":{"contextWindow":32768,"vision":false,"reasoning":true,"tokenParam":"max_tokens"}}';

function parseCapabilities(raw: string | undefined): CapabilityOverrides | undefined {
  if (raw === undefined || raw.trim() === '') return {};
  try {
    const parsed = capabilityOverrideSchema.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

const modelList = (raw: string | undefined, fallback: string): string[] => {
  const names = (raw ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  return names.length > 0 ? [...new Set(names)] : [fallback];
};

/** Every setting, defined once: the variables, their defaults and checks, and the Config the bot reads. */
const envSchema = z.object({
  DISCORD_TOKEN: nonEmpty,
  DISCORD_CLIENT_ID: snowflake.optional(),
  DISCORD_GUILD_ID: snowflake.optional(),
  DISCORD_API_BASE: url(['http:', 'https:']).default('https://discord.com/api'),
  OPENAI_API_KEY: nonEmpty,
  OPENAI_BASE_URL: url(['http:', 'https:']).optional(),
  OPENAI_MODEL: nonEmpty.default('gpt-4o-mini'),
  OPENAI_RPM: int(500, 1),
  OPENAI_TPM: int(200_000, 100),
  OPENAI_FALLBACK_MODEL: z.string().trim().min(1).optional(),
  OPENAI_MODERATION: bool(false),
  // Some OpenAI-compatible servers only know the deprecated `max_tokens`.
  OPENAI_USE_MAX_TOKENS: bool(false),
  // JSON object: model -> { input, output } USD per 1M tokens; overrides the built-in price table.
  OPENAI_PRICES: z.string().optional(),
  OPENAI_TIMEOUT_MS: int(60_000, 1_000),
  OPENAI_STALL_TIMEOUT_MS: int(30_000, 500),
  // Models users may pick with /model (comma-separated); OPENAI_MODEL is the default and must be one of them.
  OPENAI_MODELS: z.string().optional(),
  OPENAI_REASONING_EFFORT: z.enum(['none', 'minimal', 'low', 'medium', 'high', 'xhigh', 'max']).optional(),
  // Bounds a reasoning model's silent thinking; OPENAI_STALL_TIMEOUT_MS applies once answer text flows.
  OPENAI_FIRST_TOKEN_TIMEOUT_MS: int(300_000, 1_000),
  // auto: send prompt_cache_key only to OpenAI's own API (compatible servers may reject unknown fields).
  OPENAI_PROMPT_CACHE_KEY: z.enum(['auto', 'on', 'off']).default('auto'),
  // JSON object: model -> capability overrides (contextWindow, vision, reasoning, tokenParam, price).
  OPENAI_MODEL_CAPABILITIES: z.string().optional(),
  MAX_COMPLETION_TOKENS: int(1024, 1, 1_000_000),
  MAX_INPUT_CHARS: int(8000, 1, 1_000_000),
  SUMMARY_MEMORY: bool(true),
  CONTEXT_TOKENS: int(16_000, 256, 10_000_000),
  DEFAULT_SYSTEM_PROMPT: z.string().trim().min(1).default(DEFAULT_SYSTEM_PROMPT),
  DATABASE_URL: z
    .string()
    .trim()
    .regex(/^[a-z][a-z0-9+.-]*:\/\/.+/i, 'must be a URL such as sqlite://data/bot.sqlite')
    .default('sqlite://data/bot.sqlite'),
  EDIT_INTERVAL_MS: int(1000, 250, 60_000),
  USER_MESSAGES_PER_MINUTE: int(10, 0),
  GUILD_DAILY_TOKENS: int(0, 0),
  // On start, answer messages that arrived while the bot was down if they are at most this old; 0 = off.
  CATCH_UP_MINUTES: int(10, 0, 24 * 60),
  // Not SHARDS / SHARD_COUNT: discord.js's Client reads those itself (the ShardingManager sets them per shard).
  DISCORD_SHARDS: z
    .string()
    .trim()
    .regex(/^(auto|[1-9]\d{0,4})$/i, 'must be auto or a whole number of shards from 1')
    .default('1')
    .transform((v): 'auto' | number => (v.toLowerCase() === 'auto' ? 'auto' : Number(v))),
  // Several machines: the shards of DISCORD_SHARDS this one runs (each machine its own; the leases keep them apart).
  DISCORD_SHARD_IDS: idList(99_999).optional(),
  REDIS_URL: url(['redis:', 'rediss:']).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  // Round 2: attachments.
  OPENAI_VISION: bool(true),
  IMAGE_DETAIL: z.enum(['high', 'low'], { error: 'must be high or low' }).default('high'),
  MAX_ATTACHMENTS: int(4, 0, 10),
  MAX_ATTACHMENT_BYTES: int(10_485_760, 1, 100 * 1_048_576),
  MAX_ATTACHMENT_CHARS: int(40_000, 1, 1_000_000),
  // Round 2: tools (MCP).
  MCP_CONFIG: z.string().trim().min(1).optional(),
  MAX_TOOL_ROUNDS: int(5, 0, 20),
  TOOL_TIMEOUT_MS: int(20_000, 100, 600_000),
  MAX_TOOL_RESULT_CHARS: int(20_000, 100, 1_000_000),
  // Round 2: operations. Unset METRICS_PORT = no ops server.
  METRICS_PORT: optionalInt(0, 65_535),
  METRICS_HOST: z.string().trim().min(1).default('127.0.0.1'),
  // How long a crashed process's lease blocks its successor (renewed every third of it while running).
  LEASE_TTL_MS: int(30_000, 1_000, 600_000),
  // Round 2: surfaces. Rename bot-made threads after the first answer; answer direct messages.
  THREAD_TITLES: bool(true),
  ALLOW_DMS: bool(false),
});

/** An unset optional setting stays present as undefined, but typed optional so callers may leave it out. */
const optional = <K extends string, V>(key: K, value: V | undefined) => ({ [key]: value }) as Partial<Record<K, V>>;

export const configSchema = envSchema.transform((e, ctx) => {
  if (e.MAX_COMPLETION_TOKENS >= e.CONTEXT_TOKENS) {
    ctx.addIssue({
      code: 'custom',
      path: ['MAX_COMPLETION_TOKENS'],
      message: 'must be smaller than CONTEXT_TOKENS (the rest is the room for history)',
    });
  }
  const prices = parsePrices(e.OPENAI_PRICES);
  if (!prices) ctx.addIssue({ code: 'custom', path: ['OPENAI_PRICES'], message: PRICES_PROBLEM });
  const capabilities = parseCapabilities(e.OPENAI_MODEL_CAPABILITIES);
  if (!capabilities) {
    ctx.addIssue({ code: 'custom', path: ['OPENAI_MODEL_CAPABILITIES'], message: CAPABILITIES_PROBLEM });
  }
  const models = modelList(e.OPENAI_MODELS, e.OPENAI_MODEL);
  if (!models.includes(e.OPENAI_MODEL)) {
    ctx.addIssue({ code: 'custom', path: ['OPENAI_MODEL'], message: 'must be one of OPENAI_MODELS' });
  }
  if (e.DISCORD_SHARD_IDS) {
    const total = e.DISCORD_SHARDS;
    // 'auto' could resolve to different totals on different machines, which would split guilds inconsistently.
    if (typeof total !== 'number' || total < 2) {
      ctx.addIssue({ code: 'custom', path: ['DISCORD_SHARD_IDS'], message: SHARD_IDS_NEED_TOTAL });
    } else if (e.DISCORD_SHARD_IDS.some((id) => id >= total)) {
      ctx.addIssue({ code: 'custom', path: ['DISCORD_SHARD_IDS'], message: `must be below DISCORD_SHARDS (${total})` });
    }
  }
  const officialApi = e.OPENAI_BASE_URL === undefined || new URL(e.OPENAI_BASE_URL).hostname === 'api.openai.com';
  return {
    discord: {
      token: e.DISCORD_TOKEN,
      ...optional('clientId', e.DISCORD_CLIENT_ID),
      ...optional('guildId', e.DISCORD_GUILD_ID),
      apiBase: e.DISCORD_API_BASE.replace(/\/+$/, ''),
    },
    openai: {
      apiKey: e.OPENAI_API_KEY,
      ...optional('baseURL', e.OPENAI_BASE_URL),
      model: e.OPENAI_MODEL,
      ...optional('fallbackModel', e.OPENAI_FALLBACK_MODEL),
      rpm: e.OPENAI_RPM,
      tpm: e.OPENAI_TPM,
      moderation: e.OPENAI_MODERATION,
      useMaxTokens: e.OPENAI_USE_MAX_TOKENS,
      prices: prices ?? {},
      timeoutMs: e.OPENAI_TIMEOUT_MS,
      stallTimeoutMs: e.OPENAI_STALL_TIMEOUT_MS,
      models,
      ...optional('reasoningEffort', e.OPENAI_REASONING_EFFORT),
      firstTokenTimeoutMs: e.OPENAI_FIRST_TOKEN_TIMEOUT_MS,
      promptCacheKey: e.OPENAI_PROMPT_CACHE_KEY === 'on' || (e.OPENAI_PROMPT_CACHE_KEY === 'auto' && officialApi),
      capabilities: capabilities ?? {},
    },
    maxCompletionTokens: e.MAX_COMPLETION_TOKENS,
    maxInputChars: e.MAX_INPUT_CHARS,
    summaryMemory: e.SUMMARY_MEMORY,
    contextTokens: e.CONTEXT_TOKENS,
    defaultSystemPrompt: e.DEFAULT_SYSTEM_PROMPT,
    databaseUrl: e.DATABASE_URL,
    editIntervalMs: e.EDIT_INTERVAL_MS,
    userMessagesPerMinute: e.USER_MESSAGES_PER_MINUTE,
    guildDailyTokens: e.GUILD_DAILY_TOKENS,
    catchUpMinutes: e.CATCH_UP_MINUTES,
    logLevel: e.LOG_LEVEL,
    attachments: {
      vision: e.OPENAI_VISION,
      detail: e.IMAGE_DETAIL,
      maxAttachments: e.MAX_ATTACHMENTS,
      maxBytes: e.MAX_ATTACHMENT_BYTES,
      maxChars: e.MAX_ATTACHMENT_CHARS,
    },
    tools: {
      ...optional('mcpConfigPath', e.MCP_CONFIG),
      maxRounds: e.MAX_TOOL_ROUNDS,
      timeoutMs: e.TOOL_TIMEOUT_MS,
      maxResultChars: e.MAX_TOOL_RESULT_CHARS,
    },
    ...optional('metricsPort', e.METRICS_PORT),
    metricsHost: e.METRICS_HOST,
    leaseTtlMs: e.LEASE_TTL_MS,
    threadTitles: e.THREAD_TITLES,
    allowDms: e.ALLOW_DMS,
    shards: e.DISCORD_SHARDS,
    ...optional('shardIds', e.DISCORD_SHARD_IDS),
    ...optional('redisUrl', e.REDIS_URL),
  };
});

export type Config = z.output<typeof configSchema>;

/** The models that may be picked (OPENAI_MODELS), never empty: the default model when none were listed. */
export const allowedModels = (openai: Pick<Config['openai'], 'model' | 'models'>): readonly string[] =>
  openai.models && openai.models.length > 0 ? openai.models : [openai.model];

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.join('\n')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Parse the environment once. Empty strings count as unset so `.env.example` copied as-is works.
 * Problems never echo a value: a secret pasted into the wrong variable must not reach the console.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const cleaned: Record<string, string> = {};
  for (const key of Object.keys(envSchema.shape)) {
    const value = env[key];
    if (value !== undefined && value.trim() !== '') cleaned[key] = value;
  }
  const result = configSchema.safeParse(cleaned);
  if (result.success) return result.data;
  throw new ConfigError(
    result.error.issues.map((issue) => {
      const key = String(issue.path[0] ?? 'config');
      const message = issue.code === 'invalid_type' ? 'is required' : issue.message;
      return `${key}: ${SECRET_KEYS.has(key) ? message.replace(/".*"/g, '"…"') : message}`;
    }),
  );
}
