/**
 * The bot on a server database (DATABASE_URL=postgres://… on a database of its own, redis://… on a private
 * redis-server): a conversation, a server setting and the usage survive a restart, and the next turn carries the
 * whole history.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FreshDatabase, freshPostgresDatabase } from '../helpers/freshPostgres.js';
import { type PrivateRedis, startPrivateRedis } from '../helpers/redisServer.js';
import { ensureTestServices } from '../helpers/testServices.js';
import { harnessPerTest, transcript } from './harness.js';
import { waitForAnswer } from './waitForAnswer.js';

let postgres: FreshDatabase;
let redis: PrivateRedis;

beforeAll(async () => {
  postgres = await freshPostgresDatabase((await ensureTestServices()).postgresUrl);
  redis = await startPrivateRedis();
}, 240_000);
afterAll(async () => {
  await postgres?.drop();
  await redis?.stop();
});

describe.each(['postgres', 'redis'] as const)('the bot on %s', (kind) => {
  const start = harnessPerTest();

  it('a conversation, a system prompt and the usage survive a restart', async () => {
    const h = await start({ env: { DATABASE_URL: kind === 'postgres' ? postgres.url : redis.url } });
    const { discord, openai } = h;
    const asked = discord.sendMessage({ content: 'my name is Grace', mentionsBot: true });
    const thread = await discord.waitForThread({ fromMessageId: asked.id });
    await waitForAnswer(discord, thread.id);
    const set = await discord
      .runSlashCommand({
        name: 'system-prompt',
        subcommand: 'set',
        options: { prompt: 'Answer briefly.' },
        asAdmin: true,
      })
      .settled();
    expect(set.ephemeral).toBe(true);

    await h.restart();
    discord.sendMessage({ channelId: thread.id, content: 'what is my name?' });
    await waitForAnswer(discord, thread.id, { atLeast: 2 });
    expect(transcript(openai.chatRequests().at(-1)!.body)).toEqual([
      'system: Answer briefly.',
      'user: my name is Grace',
      'assistant: You said: my name is Grace',
      'user: what is my name?',
    ]);
    const usage = await discord.runSlashCommand({ name: 'usage' }).settled();
    expect(usage.originalContent).toMatch(/completion tokens, 2 requests/);
  });
});
