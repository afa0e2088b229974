/**
 * Catching up after downtime (SPEC), end to end: a real bot process is SIGKILLed while an answer streams, people
 * keep writing while it is down, and a new bot on the same SQLite file closes the half answer and answers them.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startBot, type RunningBot } from '../../src/app.js';
import { loadConfig } from '../../src/config/config.js';
import { silentLogger } from '../../src/log.js';
import { openStore } from '../../src/store/keyvStore.js';
import { assertNoViolations, startFakeDiscord, type FakeDiscord } from '../fakes/discord/index.js';
import { startFakeOpenAI, type FakeOpenAI } from '../fakes/openai/index.js';
import { makeTempDir, sqliteUrl } from '../helpers/tempDir.js';
import { botEnv, spawnBot, type BotProcess } from './child/spawnBot.js';
import { lastUserText } from './harness.js';
import { waitForAnswer } from './waitForAnswer.js';

const CURSOR = '▌';
const LONG_QUESTION = 'tell me a long story';
const MINUTE = 60_000;

describe('catching up after a crash', () => {
  let discord: FakeDiscord;
  let openai: FakeOpenAI;
  let temp: ReturnType<typeof makeTempDir>;
  let child: BotProcess | undefined;
  let bot: RunningBot | undefined;
  let env: Record<string, string>;
  let databaseUrl: string;

  beforeEach(async () => {
    temp = makeTempDir('bot-catchup-');
    discord = await startFakeDiscord();
    openai = await startFakeOpenAI({
      answer: (body) => {
        const asked = lastUserText(body.messages);
        return asked === LONG_QUESTION ? 'once upon a time '.repeat(300) : `You said: ${asked}`;
      },
      timeToFirstTokenMs: 5,
      tokensPerSecond: 40,
    });
    databaseUrl = sqliteUrl(temp.dir);
    env = botEnv(discord, openai, databaseUrl);
  });

  afterEach(async () => {
    await child?.kill();
    child = undefined;
    await bot?.stop(5_000).catch(() => undefined);
    bot = undefined;
    await openai.close();
    await discord.close();
    temp.remove();
    assertNoViolations();
    openai.assertNoViolations();
  });

  /** Questions the model was asked, in order. */
  const asked = () => openai.chatRequests().map((r) => lastUserText((r.body as { messages: never }).messages));

  it('closes the half answer and answers the newest 3 messages sent while down, oldest first, each once', async () => {
    child = await spawnBot(env);
    const question = discord.sendMessage({ content: LONG_QUESTION, mentionsBot: true });
    const threadId = (await discord.waitForThread({ fromMessageId: question.id })).id;
    const half = await discord.waitFor(
      () =>
        discord
          .botMessagesIn(threadId)
          .find((m) => m.versions.some((v) => v.via === 'edit' && v.content.endsWith(CURSOR))),
      { timeoutMs: 15_000, description: 'an answer streaming with its cursor' },
    );
    await child.kill();
    const streamedBeforeKill = half.current.content;
    expect(streamedBeforeKill).toMatch(new RegExp(`${CURSOR}$`));

    openai.setTiming({ tokensPerSecond: 0 });
    const whileDown = ['one', 'two', 'three', 'four'].map((content) =>
      discord.sendMessage({ channelId: threadId, content }),
    );
    bot = await startBot(loadConfig(env), silentLogger());
    // The newest missed message also arrives live (as a replayed gateway event would), and a new one follows.
    discord.redeliverMessage(whileDown[3]!.id);
    discord.sendMessage({ channelId: threadId, content: 'five' });

    const report = await bot.catchUp;
    // "four" is replayed or taken live, whichever comes first: either way it is answered once, in order.
    expect(report).toMatchObject({ closed: 1, failed: 0 });
    const messages = await waitForAnswer(discord, threadId, { atLeast: 5, timeoutMs: 20_000 });
    const closed = discord.message(half.id)!.current.content;
    expect(closed).not.toContain(CURSOR);
    expect(closed).toMatch(/\(interrupted by a restart\)\*$/);
    expect(closed.startsWith(streamedBeforeKill.slice(0, -CURSOR.length).trimEnd())).toBe(true);
    expect(messages.slice(1).map((m) => m.current.content)).toEqual(
      ['two', 'three', 'four', 'five'].map((t) => `You said: ${t}`),
    );
    expect(asked()).toEqual([LONG_QUESTION, 'two', 'three', 'four', 'five']);
  });

  it('answers only messages inside CATCH_UP_MINUTES, also in a thread idle for longer than that', async () => {
    const now = Date.now();
    const thread = discord.createThreadAsMember({ name: 'old talk', at: now - 40 * MINUTE });
    // The database of a bot that last answered in this thread 40 minutes ago.
    const store = await openStore(databaseUrl);
    await store.createThread({
      threadId: thread.id,
      guildId: discord.ids.guildId,
      channelId: discord.ids.textChannelId,
      creatorId: discord.ids.memberUserId,
      createdAt: now - 40 * MINUTE,
    });
    await store.noteTurnStarted(thread.id, thread.id, now - 40 * MINUTE);
    await store.endInflight(thread.id, now - 40 * MINUTE);
    await store.close();
    discord.sendMessage({ channelId: thread.id, content: 'from twenty minutes ago', at: now - 20 * MINUTE });
    discord.sendMessage({ channelId: thread.id, content: 'from a minute ago', at: now - MINUTE });

    bot = await startBot(loadConfig(env), silentLogger());
    expect(await bot.catchUp).toMatchObject({ threads: 1, closed: 0, replayed: 1, failed: 0 });
    const messages = await waitForAnswer(discord, thread.id);
    expect(messages.map((m) => m.current.content)).toEqual(['You said: from a minute ago']);
    expect(asked()).toEqual(['from a minute ago']);
  });

  it('a clean restart answers nothing again', async () => {
    bot = await startBot(loadConfig(env), silentLogger());
    const question = discord.sendMessage({ content: 'hello', mentionsBot: true });
    const threadId = (await discord.waitForThread({ fromMessageId: question.id })).id;
    discord.sendMessage({ channelId: threadId, content: 'and again' });
    await waitForAnswer(discord, threadId, { atLeast: 2 });
    await bot.stop(5_000);
    bot = await startBot(loadConfig(env), silentLogger());
    expect(await bot.catchUp).toMatchObject({ threads: 1, closed: 0, replayed: 0, failed: 0 });
    expect(asked()).toEqual(['hello', 'and again']);
  });
});
