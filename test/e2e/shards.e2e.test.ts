/**
 * DISCORD_SHARDS=2 under the real ShardingManager (src/main.ts in a child process, two shard processes), against
 * the fake Discord (one guild per shard) and the fake OpenAI in this process. With REDIS_URL (a private
 * redis-server) and PostgreSQL: both guilds answered, each message by exactly one shard, /reset answered on
 * both, one limiter for both (the fake OpenAI sees no more than OPENAI_RPM), a second manager on the same database
 * stops with the lease line, SIGTERM drains both shards and the manager exits 0. Without REDIS_URL each shard logs its
 * half of the budgets, and a DM is answered once (by shard 0). A token Discord rejects stops the deployment (78).
 */
import { describe, expect, it } from 'vitest';
import { shardOfGuild } from '../fakes/discord/shardRouting.js';
import { allShardsReady, postgresPerFile, SHARDS_READY_MS, shardDeploymentPerTest } from './child/shardDeployment.js';
import { waitForAnswer } from './waitForAnswer.js';

const RPM = 3;

describe('two shards under the ShardingManager', () => {
  const databaseUrl = postgresPerFile();
  const deploy = shardDeploymentPerTest();
  const start = (options: { redis?: boolean; postgres?: boolean; env?: Record<string, string> } = {}) =>
    deploy({
      redis: options.redis,
      ...(options.postgres ? { databaseUrl: databaseUrl() } : {}),
      openai: { answer: () => 'Answered.', rateLimits: { rpm: RPM } },
      env: { OPENAI_RPM: String(RPM), ...options.env },
    });

  it('with Redis and PostgreSQL: each guild answered by its shard, the lease per shard holds, SIGTERM drains', async () => {
    const { discord, openai, manager } = await start({ redis: true, postgres: true });
    const bot = manager();
    await bot.waitForLine(allShardsReady, SHARDS_READY_MS);
    const guilds = [...discord.world.guilds.values()];
    expect(guilds.map((g) => shardOfGuild(g.id, 2))).toEqual([0, 1]);
    expect(discord.gateway.readyShards.map((s) => s[0]).sort()).toEqual([0, 1]);

    // Twice RPM mentions across both guilds: one shared limiter lets only RPM through at first.
    const asked = guilds.flatMap((g) =>
      [1, 2, 3].map((n) =>
        discord.sendMessage({ channelId: g.textChannelId, content: `question ${n}`, mentionsBot: true }),
      ),
    );
    const first = await discord.waitForThread({ fromMessageId: asked[0]!.id });
    const second = await discord.waitForThread({ fromMessageId: asked[3]!.id });
    await waitForAnswer(discord, first.id);
    await waitForAnswer(discord, second.id);
    await discord.waitFor(() => openai.chatRequests().length >= RPM, {
      timeoutMs: 10_000,
      description: 'RPM requests',
    });
    const creates = discord.gateway.dispatches.filter((d) => d.t === 'MESSAGE_CREATE').slice(0, asked.length);
    expect(creates.map((d) => d.shards)).toEqual([[0], [0], [0], [1], [1], [1]]);

    const resets = guilds.map((g) => discord.runSlashCommand({ name: 'reset', channelId: g.textChannelId }).settled());
    for (const outcome of await Promise.all(resets))
      expect(outcome.originalContent).toMatch(/inside a conversation thread/);

    // A second deployment on the same database: its shard 0 finds the lease taken and says so.
    const intruder = manager();
    await intruder.waitForLine(
      (l) => String(l.err && (l.err as { message?: string }).message).includes('lease shard:0'),
      SHARDS_READY_MS,
    );
    // Fatal (78): respawned as is it would fail the same way, so the intruder stops instead of looping.
    expect(await intruder.exited).toBe(78);
    // The shard's line names the cause; the manager adds one that it stopped.
    expect(intruder.lines.filter((l) => (l.level ?? 0) >= 50).map((l) => l.msg)).toEqual([
      'could not start the bot',
      'a shard cannot continue (see its line above): stopping every shard',
    ]);
    expect(intruder.lines.filter((l) => l.msg === 'shard process exited; respawning')).toEqual([]);

    bot.child.kill('SIGTERM');
    expect(await bot.exited).toBe(0);
    expect(bot.lines.filter((l) => l.msg === 'shutting down')).toHaveLength(2);
  }, 60_000);

  // Waits longer than bottleneck's cluster job expiration (10 s): a waiter timed out there once fell back to the
  // local limiter and sent a 4th request ~10 s after the first, answered 429.
  it('with Redis both shards together stay within OPENAI_RPM (no upstream 429)', async () => {
    const { discord, openai, manager } = await start({ redis: true });
    const bot = manager();
    await bot.waitForLine(allShardsReady, SHARDS_READY_MS);
    for (const g of discord.world.guilds.values()) {
      for (const n of [1, 2, 3])
        discord.sendMessage({ channelId: g.textChannelId, content: `q ${n}`, mentionsBot: true });
    }
    await discord.waitFor(() => openai.chatRequests().length >= RPM, {
      timeoutMs: 10_000,
      description: 'RPM requests',
    });
    // Refill is one request per 60 s / RPM = 20 s: within 15 s of the first, both shards together may send RPM.
    await new Promise((resolve) => setTimeout(resolve, 12_000)); // a window of time is what is being measured
    const upstream = openai.chatRequests();
    expect(upstream.filter((r) => r.at - upstream[0]!.at < 15_000)).toHaveLength(RPM);
    expect(upstream.every((r) => r.status === 200)).toBe(true);
  }, 45_000);

  it('without Redis each shard logs its half of RPM, TPM and the write budget; a DM is answered once', async () => {
    const { discord, openai, manager } = await start({
      env: { OPENAI_RPM: '500', OPENAI_TPM: '200000', ALLOW_DMS: 'true' },
    });
    const bot = manager();
    await bot.waitForLine(allShardsReady, SHARDS_READY_MS);
    const shares = bot.lines.filter((l) => l.msg === 'no REDIS_URL: this shard runs on its share of the budgets');
    expect(shares.map((l) => [l.shards, l.rpm, l.tpm, l.share])).toEqual([
      [[0], 250, 100000, 0.5],
      [[1], 250, 100000, 0.5],
    ]);
    // A DM reaches shard 0 alone (Discord sends events outside any guild there) and is answered once.
    discord.sendDirectMessage({ content: 'a direct question' });
    const [dm] = await waitForAnswer(discord, discord.dmChannelId());
    expect(dm!.current.content).toBe('Answered.');
    expect(discord.botMessagesIn(discord.dmChannelId())).toHaveLength(1);
    expect(openai.chatRequests()).toHaveLength(1);
    // Stopped by afterEach: the SIGTERM drain is asserted in the first test (here it once exited 1 under load).
  }, 40_000);

  it('a token Discord rejects stops every shard with exit 78 instead of respawning them', async () => {
    const { discord, manager } = await start();
    const bot = manager();
    await bot.waitForLine(allShardsReady, SHARDS_READY_MS);
    discord.revokeBotToken();
    const guild1 = [...discord.world.guilds.values()][1]!;
    discord.sendMessage({ channelId: guild1.textChannelId, content: 'hello?', mentionsBot: true });
    expect(await bot.exited).toBe(78);
    expect(bot.lines.filter((l) => l.msg === 'the bot cannot continue').map((l) => l.reason)).toEqual([
      expect.stringMatching(/^Discord rejected the bot token \(HTTP 401/),
    ]);
    expect(
      bot.lines.filter((l) => l.msg === 'a shard cannot continue (see its line above): stopping every shard'),
    ).toHaveLength(1);
    expect(bot.lines.filter((l) => l.msg === 'shard process started')).toHaveLength(2);
    expect(bot.lines.filter((l) => l.msg === 'shard process exited; respawning')).toEqual([]);
    expect(bot.lines.filter((l) => l.msg === 'shutting down')).toHaveLength(1); // shard 0 drained
    expect(bot.lines.filter((l) => l.msg === 'some shards did not stop cleanly')).toEqual([]);
  }, 40_000);
});
