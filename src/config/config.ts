import { z } from 'zod';

export const DEFAULT_SYSTEM_PROMPT =
  'You are a helpful assistant chatting in a Discord thread. Answer clearly and concisely; use Markdown where it helps.';

const SECRET_KEYS = new Set(['DISCORD_TOKEN', 'OPENAI_API_KEY']);

const bool = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'], { error: 'must be true or false' })
    .default(fallback ? 'true' : 'false')
    .transform((v) => v === 'true' || v === '1' || v === 'yes');

const int = (fallback: number, min: number, max = Number.MAX_SAFE_INTEGER) =>
  z
    .string()
    .default(String(fallback))
    .transform((v, ctx) => {
      const n = Number(v.trim());
      if (!Number.isInteger(n) || n < min || n > max) {
        ctx.addIssue({ code: 'custom', message: `must be a whole number from ${min} to ${max}` });
        return z.NEVER;
      }
      return n;
    });

const url = (protocols: string[]) =>
  z.string().refine(
    (v) => {
      try {
        return protocols.includes(new URL(v).protocol);
      } catch {
        return false;
      }
    },
    { message: `must be a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}` },
  );

const snowflake = z.string().regex(/^\d{17,20}$/, 'must be a Discord id (17 to 20 digits)');
const nonEmpty = z.string({ error: 'is required' }).trim().min(1, 'is required');

const schema = z.object({
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
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

type Env = z.output<typeof schema>;

export interface PriceTable {
  [model: string]: { input: number; output: number };
}

export interface Config {
  discord: { token: string; clientId?: string; guildId?: string; apiBase: string };
  openai: {
    apiKey: string;
    baseURL?: string;
    model: string;
    fallbackModel?: string;
    rpm: number;
    tpm: number;
    moderation: boolean;
    useMaxTokens: boolean;
    prices: PriceTable;
    timeoutMs: number;
    stallTimeoutMs: number;
  };
  maxCompletionTokens: number;
  maxInputChars: number;
  summaryMemory: boolean;
  contextTokens: number;
  defaultSystemPrompt: string;
  databaseUrl: string;
  editIntervalMs: number;
  userMessagesPerMinute: number;
  guildDailyTokens: number;
  logLevel: Env['LOG_LEVEL'];
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.join('\n')}`);
    this.name = 'ConfigError';
  }
}

const priceSchema = z.record(z.string(), z.object({ input: z.number().min(0), output: z.number().min(0) }));

function parsePrices(raw: string | undefined, problems: string[]): PriceTable {
  if (raw === undefined || raw.trim() === '') return {};
  try {
    const parsed = priceSchema.safeParse(JSON.parse(raw));
    if (parsed.success) return parsed.data;
  } catch {
    // fall through to the problem line
  }
  problems.push('OPENAI_PRICES: must be JSON like {"gpt-4o-mini":{"input":0.15,"output":0.6}} (USD per 1M tokens)');
  return {};
}

/**
 * Parse the environment once. Empty strings count as unset so `.env.example` copied as-is works.
 * Problems never echo a value: a secret pasted into the wrong variable must not reach the console.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const cleaned: Record<string, string> = {};
  for (const key of Object.keys(schema.shape)) {
    const value = env[key];
    if (value !== undefined && value.trim() !== '') cleaned[key] = value;
  }
  const result = schema.safeParse(cleaned);
  const problems: string[] = [];
  if (!result.success) {
    for (const issue of result.error.issues) {
      const key = String(issue.path[0] ?? 'config');
      const message = issue.code === 'invalid_type' ? 'is required' : issue.message;
      problems.push(`${key}: ${SECRET_KEYS.has(key) ? message.replace(/".*"/g, '"…"') : message}`);
    }
    throw new ConfigError(problems);
  }
  const e = result.data;
  if (e.MAX_COMPLETION_TOKENS >= e.CONTEXT_TOKENS) {
    problems.push('MAX_COMPLETION_TOKENS: must be smaller than CONTEXT_TOKENS (the rest is the room for history)');
  }
  const prices = parsePrices(e.OPENAI_PRICES, problems);
  if (problems.length > 0) throw new ConfigError(problems);
  return {
    discord: {
      token: e.DISCORD_TOKEN,
      clientId: e.DISCORD_CLIENT_ID,
      guildId: e.DISCORD_GUILD_ID,
      apiBase: e.DISCORD_API_BASE.replace(/\/+$/, ''),
    },
    openai: {
      apiKey: e.OPENAI_API_KEY,
      baseURL: e.OPENAI_BASE_URL,
      model: e.OPENAI_MODEL,
      fallbackModel: e.OPENAI_FALLBACK_MODEL,
      rpm: e.OPENAI_RPM,
      tpm: e.OPENAI_TPM,
      moderation: e.OPENAI_MODERATION,
      useMaxTokens: e.OPENAI_USE_MAX_TOKENS,
      prices,
      timeoutMs: e.OPENAI_TIMEOUT_MS,
      stallTimeoutMs: e.OPENAI_STALL_TIMEOUT_MS,
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
    logLevel: e.LOG_LEVEL,
  };
}
