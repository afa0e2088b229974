/**
 * Two machines, one deployment: DISCORD_SHARDS=2 on both, DISCORD_SHARD_IDS=0 on one and 1 on the other, sharing
 * one redis-server and one PostgreSQL database (each a manager process here). Each runs only its shard and answers
 * its guild; a third machine configured for a shard already served stops with the lease line (78); both stop cleanly.
 */
import { describe, expect, it } from 'vitest';
import { shardOfGuild } from '../fakes/discord/shardRouting.js';
import { allShardsReady, postgresPerFile, SHARDS_READY_MS, shardDeploymentPerTest } from './child/shardDeployment.js';
import type { ManagerProcess } from './child/spawnManager.js';
import { lastUserText } from './harness.js';
import { waitForAnswer } from './waitForAnswer.js';

describe('one deployment on two machines (DISCORD_SHARD_IDS)', () => {
  const databaseUrl = postgresPerFile();
  const start = shardDeploymentPerTest();

  it('each machine runs and answers only its shard; a third one for a served shard stops with 78', async () => {
    const { discord, openai, manager } = await start({
      redis: true,
      databaseUrl: databaseUrl(),
      openai: { answer: (body) => `You said: ${lastUserText(body.messages)}` },
    });
    const machine = (ids: string) => manager({ DISCORD_SHARD_IDS: ids });
    const [a, b] = [machine('0'), machine('1')];
    await Promise.all([a.waitForLine(allShardsReady, SHARDS_READY_MS), b.waitForLine(allShardsReady, SHARDS_READY_MS)]);
    const started = (m: ManagerProcess) => m.lines.filter((l) => l.msg === 'shard process started').map((l) => l.shard);
    expect([started(a), started(b)]).toEqual([[0], [1]]);
    expect(discord.gateway.readyShards.map((pair) => pair.join('/')).sort()).toEqual(['0/2', '1/2']);

    const guilds = [...discord.world.guilds.values()];
    expect(guilds.map((g) => shardOfGuild(g.id, 2))).toEqual([0, 1]);
    for (const [i, g] of guilds.entries()) {
      const asked = discord.sendMessage({
        channelId: g.textChannelId,
        content: `hello from guild ${i}`,
        mentionsBot: true,
      });
      const thread = await discord.waitForThread({ fromMessageId: asked.id });
      const [answer] = await waitForAnswer(discord, thread.id);
      expect(answer!.current.content).toBe(`You said: hello from guild ${i}`);
    }
    expect(openai.chatRequests()).toHaveLength(2);

    // A third machine configured for shard 1, which machine b serves: the lease stops it, it does not loop.
    const third = machine('1');
    expect(await third.exited).toBe(78);
    expect(
      String((third.lines.find((l) => l.msg === 'could not start the bot')?.err as { message?: string })?.message),
    ).toMatch(/lease shard:1 held by/);

    a.child.kill('SIGTERM');
    b.child.kill('SIGTERM');
    expect(await Promise.all([a.exited, b.exited])).toEqual([0, 0]);
  }, 90_000);
});
