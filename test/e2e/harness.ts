import type { ChatCompletionCreateParams } from 'openai/resources/chat/completions';
import { afterEach } from 'vitest';
import { commands } from '../../commands/index.js';
import { startBot, type RunningBot, type StartOptions } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/config/config.js';
import { registerCommands } from '../../src/discord/registerCommands.js';
import { silentLogger, type Logger } from '../../src/log.js';
import {
  assertNoViolations,
  startFakeDiscord,
  type FakeDiscord,
  type FakeDiscordOptions,
} from '../fakes/discord/index.js';
import { startFakeOpenAI, type FakeOpenAI, type FakeOpenAIOptions } from '../fakes/openai/index.js';
import { makeTempDir, sqliteUrl } from '../helpers/tempDir.js';

export type Messages = ChatCompletionCreateParams['messages'];

export const lastUserText = (messages: Messages): string =>
  String([...messages].reverse().find((m) => m.role === 'user')?.content ?? '');

/** Messages of a chat request as `role: content` lines, for readable assertions. */
export const transcript = (body: unknown): string[] =>
  (body as ChatCompletionCreateParams).messages.map((m) => `${m.role}: ${String(m.content)}`);

export interface Harness {
  discord: FakeDiscord;
  openai: FakeOpenAI;
  bot: RunningBot;
  config: Config;
  /** Stop the bot (as on SIGTERM) and start a new one on the same database. */
  restart(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The whole product on loopback: fake Discord + fake OpenAI + real SQLite in a temp dir, the real bot composed by
 * `startBot` (real discord.js Client, real openai SDK), commands registered through the deploy path.
 */
export async function startHarness(
  options: {
    env?: Record<string, string>;
    discord?: FakeDiscordOptions;
    openai?: FakeOpenAIOptions;
    logger?: Logger;
    bot?: StartOptions;
  } = {},
): Promise<Harness> {
  const temp = makeTempDir('bot-e2e-');
  const discord = await startFakeDiscord(options.discord);
  const openai = await startFakeOpenAI({
    answer: (body) => `You said: ${lastUserText(body.messages)}`,
    timeToFirstTokenMs: 5,
    tokensPerSecond: 400,
    ...options.openai,
  });
  const config = loadConfig({
    DISCORD_TOKEN: discord.botToken,
    DISCORD_API_BASE: discord.apiUrl,
    DISCORD_GUILD_ID: discord.ids.guildId,
    OPENAI_API_KEY: 'sk-test-e2e-not-a-real-key',
    OPENAI_BASE_URL: openai.url,
    DATABASE_URL: sqliteUrl(temp.dir),
    EDIT_INTERVAL_MS: '250',
    USER_MESSAGES_PER_MINUTE: '0',
    OPENAI_TIMEOUT_MS: '5000',
    OPENAI_STALL_TIMEOUT_MS: '2000',
    LOG_LEVEL: 'silent',
    LEASE_TTL_MS: '2000',
    // Off unless a test turns it on: the title call would be one more model request in every other test's count.
    THREAD_TITLES: 'false',
    ...options.env,
  });
  await registerCommands(config.discord, commands);
  const logger = options.logger ?? silentLogger();
  let bot = await startBot(config, logger, options.bot);
  return {
    discord,
    openai,
    config,
    get bot() {
      return bot;
    },
    async restart() {
      await bot.stop(5_000);
      bot = await startBot(config, logger, options.bot);
    },
    async close() {
      await bot.stop(5_000).catch(() => undefined);
      await openai.close();
      await discord.close();
      temp.remove();
      // The oracle: every request the SDK sent and every response the fake gave matched OpenAI's spec.
      openai.assertNoViolations();
    },
  };
}

/**
 * One harness per test: returns a starter, and closes whatever it started after each test, then checks that the
 * fake Discord saw nothing outside Discord's spec.
 */
export function harnessPerTest(): (options?: Parameters<typeof startHarness>[0]) => Promise<Harness> {
  let current: Harness | undefined;
  afterEach(async () => {
    const h = current;
    current = undefined;
    await h?.close();
    assertNoViolations();
  });
  return async (options) => (current = await startHarness(options));
}
