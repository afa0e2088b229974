/**
 * Two shards (DISCORD_SHARDS=auto, as Discord recommends) on PostgreSQL (a database of this file's own), under the
 * real ShardingManager: a shard process killed with SIGKILL is respawned by the manager while the other shard keeps
 * answering; the respawned shard catches up on what was written in its thread meanwhile, with the history it had,
 * and handles its buttons; then the whole deployment is stopped and started again, and a conversation continues
 * from PostgreSQL with everything it said.
 */
import { describe, expect, it } from 'vitest';
import type { FakeOpenAI } from '../fakes/openai/index.js';
import { shardOfGuild } from '../fakes/discord/shardRouting.js';
import { allShardsReady, postgresPerFile, SHARDS_READY_MS, shardDeploymentPerTest } from './child/shardDeployment.js';
import type { LogLine } from './child/spawnManager.js';
import { lastUserText, transcript } from './harness.js';
import { visibleText, waitForAnswer } from './waitForAnswer.js';

const STORY_PROMPT = 'tell me a story';
const STORY = 'Once upon a time there was a shard. '.repeat(40).trim();
const started = (shard: number) => (line: LogLine) => line.msg === 'shard process started' && line.shard === shard;
const ready = (shard: number) => (line: LogLine) => line.msg === 'shard ready' && line.shard === shard;

describe('a deployment of two shards on PostgreSQL', () => {
  const databaseUrl = postgresPerFile();
  const start = shardDeploymentPerTest();

  /** The model's view of the last request about `question`: every earlier turn of its thread comes first. */
  const requestFor = (openai: FakeOpenAI, question: string) =>
    openai.chatRequests().find((r) => lastUserText((r.body as { messages: never }).messages) === question);

  it('a killed shard is respawned and its thread goes on; after a full restart conversations continue', async () => {
    // One slow answer (~11 s): still streaming on shard 0 when shard 1 comes back and catches up.
    const { discord, openai, manager } = await start({
      databaseUrl: databaseUrl(),
      openai: {
        answer: (body) =>
          lastUserText(body.messages) === STORY_PROMPT ? STORY : `You said: ${lastUserText(body.messages)}`,
        tokensPerSecond: 30,
      },
      // auto: the manager asks GET /gateway/bot, where the fake recommends 2.
      env: { DISCORD_SHARDS: 'auto' },
    });
    const [guild0, guild1] = [...discord.world.guilds.values()];
    expect([guild0, guild1].map((g) => shardOfGuild(g!.id, 2))).toEqual([0, 1]);

    const bot = manager();
    expect((await bot.waitForLine(allShardsReady, SHARDS_READY_MS)).shards).toBe(2);
    const ask = async (channelId: string, content: string) => {
      const message = discord.sendMessage({ channelId, content, mentionsBot: true });
      const thread = await discord.waitForThread({ fromMessageId: message.id });
      await waitForAnswer(discord, thread.id);
      return thread.id;
    };
    const threadOf1 = await ask(guild1!.textChannelId, 'my name is Ada');
    const threadOf0 = await ask(guild0!.textChannelId, 'my colour is teal');

    // Shard 0 starts a long answer, still streaming when shard 1 (killed now) has come back and caught up.
    discord.sendMessage({ channelId: threadOf0, content: STORY_PROMPT });
    await discord.waitFor(() => discord.botMessagesIn(threadOf0).length === 2, { description: 'the story begun' });
    // SIGKILL shard 1's process: no shutdown code runs, its lease is left to expire.
    const first = await bot.waitForLine(started(1), 1_000);
    process.kill(Number(first.pid), 'SIGKILL');
    await bot.waitForLine((l) => l.msg === 'shard process exited; respawning' && l.shard === 1, 10_000);
    // Written in shard 1's thread while no process serves it: nothing is dispatched; the respawned shard catches up.
    await discord.waitFor(() => discord.gateway.readyShards.every((pair) => pair[0] === 0), {
      timeoutMs: 5_000,
      description: "the fake gateway seeing shard 1's connection gone",
    });
    discord.sendMessage({ channelId: threadOf1, content: 'what is my name?' });

    await bot.waitForLine(() => bot.lines.filter(ready(1)).length === 2, SHARDS_READY_MS);
    // Shard 1's catch-up leaves shard 0's threads alone: the live answer is not closed as if interrupted.
    await waitForAnswer(discord, threadOf0, { atLeast: 2, timeoutMs: 20_000 });
    expect(visibleText(discord, threadOf0)).toBe(`You said: my colour is teal\n${STORY}`);
    const respawned = bot.lines.filter(started(1));
    expect(respawned).toHaveLength(2);
    expect(respawned[1]!.pid).not.toBe(first.pid);
    const [, caughtUp] = await waitForAnswer(discord, threadOf1, { atLeast: 2 });
    expect(visibleText(discord, threadOf1)).toBe('You said: my name is Ada\nYou said: what is my name?');
    expect(transcript(requestFor(openai, 'what is my name?')!.body).slice(-3)).toEqual([
      'user: my name is Ada',
      'assistant: You said: my name is Ada',
      'user: what is my name?',
    ]);
    // The respawned shard handles the buttons of its guild: Regenerate on the caught-up answer.
    await discord.pressButton({ messageId: caughtUp!.id }).waitForResponse();
    await waitForAnswer(discord, threadOf1, { atLeast: 3 });
    expect(discord.botMessagesIn(threadOf1).map((m) => m.current.content)).toEqual([
      'You said: my name is Ada',
      'You said: what is my name?\n\n*(regenerated below)*',
      'You said: what is my name?',
    ]);

    // The whole deployment stops cleanly and a new one on the same database picks the conversations up.
    bot.child.kill('SIGTERM');
    expect(await bot.exited).toBe(0);
    const again = manager();
    await again.waitForLine(allShardsReady, SHARDS_READY_MS);
    discord.sendMessage({ channelId: threadOf0, content: 'what is my colour?' });
    await waitForAnswer(discord, threadOf0, { atLeast: 3 });
    expect(discord.botMessagesIn(threadOf0).at(-1)!.current.content).toBe('You said: what is my colour?');
    expect(transcript(requestFor(openai, 'what is my colour?')!.body).slice(-5)).toEqual([
      'user: my colour is teal',
      'assistant: You said: my colour is teal',
      `user: ${STORY_PROMPT}`,
      `assistant: ${STORY}`,
      'user: what is my colour?',
    ]);
    // Each question went to the model once: no shard answered a message of the other's guild.
    expect(
      openai
        .chatRequests()
        .map((r) => lastUserText((r.body as { messages: never }).messages))
        .sort(),
    ).toEqual(
      [
        'my name is Ada',
        'my colour is teal',
        STORY_PROMPT,
        'what is my name?',
        'what is my name?',
        'what is my colour?',
      ].sort(),
    );
  }, 90_000);
});
