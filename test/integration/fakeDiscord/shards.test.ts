/**
 * The fake gateway shards like Discord: a client identified as shard [id, n] gets READY/GUILD_CREATE only for its
 * guilds ((guild_id >> 22) % n === id) and only their events, events outside a guild go to shard 0, a malformed
 * shard closes with 4010, and GET /gateway/bot recommends the configured shard count.
 */
import type { Message } from 'discord.js';
import { Client, Events } from 'discord.js';
import { GatewayCloseCodes, GatewayDispatchEvents, GatewayOpcodes } from 'discord-api-types/v10';
import { describe, expect, it } from 'vitest';
import { testClientOptions } from '../../fakes/discord/client.js';
import { shardOfGuild } from '../../fakes/discord/shardRouting.js';
import { nextEvent, rawRequest, useFakeDiscord } from './helpers.js';

describe('fake Discord: shards', () => {
  const ctx = useFakeDiscord({ guildCount: 2, recommendedShards: 2 });
  const loginShard = (id: number) => ctx.login({ clientOptions: { shards: id, shardCount: 2 } });
  const guilds = () => [...ctx.fake.world.guilds.values()];

  it('recommends the configured shard count, and the fixture puts guild i on shard i % 2', async () => {
    const { status, json } = await rawRequest(ctx.fake, 'GET', '/gateway/bot');
    expect(status).toBe(200);
    expect(json).toMatchObject({ shards: 2, session_start_limit: { max_concurrency: 1 } });
    expect(guilds().map((g) => shardOfGuild(g.id, 2))).toEqual([0, 1]);
  });

  it('each shard receives only its own guild and its events', async () => {
    const [zero, one] = [await loginShard(0), await loginShard(1)];
    const [first, second] = guilds();
    expect([...zero.guilds.cache.keys()]).toEqual([first!.id]);
    expect([...one.guilds.cache.keys()]).toEqual([second!.id]);
    expect(ctx.fake.identifies.map((i) => i.shard)).toEqual([
      [0, 2],
      [1, 2],
    ]);

    const seenByZero: string[] = [];
    zero.on(Events.MessageCreate, (m) => seenByZero.push(m.id));
    const onOne = nextEvent<[Message]>(one, Events.MessageCreate, (m) => m.content === 'in the second guild');
    const sent = ctx.fake.sendMessage({ channelId: second!.textChannelId, content: 'in the second guild' });
    expect((await onOne)[0].guildId).toBe(second!.id);
    const onZero = nextEvent<[Message]>(zero, Events.MessageCreate, (m) => m.content === 'in the first guild');
    ctx.fake.sendMessage({ channelId: first!.textChannelId, content: 'in the first guild' });
    await onZero;
    expect(seenByZero).not.toContain(sent.id);
    expect(ctx.fake.gateway.dispatches.filter((d) => d.t === 'MESSAGE_CREATE').map((d) => d.shards)).toEqual([
      [1],
      [0],
    ]);
  });

  it('an event outside any guild (a DM) goes to shard 0 only', async () => {
    await loginShard(0);
    await loginShard(1);
    ctx.fake.gateway.dispatch({
      op: GatewayOpcodes.Dispatch,
      t: GatewayDispatchEvents.TypingStart,
      d: { channel_id: ctx.fake.ids.textChannelId, user_id: ctx.fake.ids.memberUserId, timestamp: 1 },
    });
    expect(ctx.fake.gateway.dispatches.at(-1)).toMatchObject({ t: 'TYPING_START', shards: [0] });
  });

  it('an IDENTIFY with a shard outside [0, n) is closed with 4010 and reported', async () => {
    const client = new Client(testClientOptions(ctx.fake, { shards: 2, shardCount: 2 }));
    const closed = ctx.fake.waitFor(
      () => ctx.fake.gatewayConnections.some((c) => c.closeCode === GatewayCloseCodes.InvalidShard),
      { timeoutMs: 5_000, description: 'a 4010 close' },
    );
    const login = client.login(ctx.fake.botToken).catch((error: unknown) => error);
    await closed;
    // discord.js may leave its login pending after a 4010, and under load it can be mid-reconnect when destroyed
    // (a CI run hung in destroy past the test's timeout): wait on neither for long.
    const briefly = (work: Promise<unknown>) =>
      Promise.race([work, new Promise((resolve) => setTimeout(resolve, 2_000).unref())]);
    await briefly(client.destroy());
    await briefly(login);
    // Each IDENTIFY with the bad shard is reported (discord.js may have tried twice before it was destroyed).
    const violations = ctx.fake.takeViolations().map((v) => v.message);
    expect(violations.length).toBeGreaterThanOrEqual(1);
    expect(violations.every((message) => message.includes('IDENTIFY shard [2,2]'))).toBe(true);
  });
});
