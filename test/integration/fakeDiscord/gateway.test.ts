import { describe, expect, it } from 'vitest';
import { Client, Events, GatewayIntentBits, Status } from 'discord.js';
import type { Message } from 'discord.js';
import { GatewayCloseCodes, GatewayOpcodes } from 'discord-api-types/v10';
import type { GatewayIdentify } from 'discord-api-types/v10';
import { WebSocket } from 'ws';
import { nextEvent, useFakeDiscord } from './helpers.js';

describe('fake Discord: gateway sessions, resume and restart', () => {
  const ctx = useFakeDiscord({ heartbeatIntervalMs: 250 });

  it('acknowledges heartbeats (the client measures a ping)', async () => {
    const client = await ctx.login();
    await ctx.fake.waitFor(() => client.ws.ping >= 0, { timeoutMs: 3_000, description: 'a heartbeat ACK' });
  });

  it('resumes after a server-side disconnect and replays the events missed meanwhile', async () => {
    const { fake } = ctx;
    const client = await ctx.login();
    fake.disconnectGateway(); // close code 4000: discord.js resumes on resume_gateway_url
    const missed = fake.sendMessage({ content: 'sent while the bot was reconnecting', mentionsBot: true });

    const [message] = await nextEvent<[Message]>(client, Events.MessageCreate, (m) => m.id === missed.id, 5_000);
    expect(message.content).toContain('sent while the bot was reconnecting');
    expect(fake.resumes).toMatchObject([{ accepted: true, replayed: 1 }]);
    expect(fake.identifies).toHaveLength(1);
    expect(fake.gatewayConnections.map((c) => c.path)).toEqual(['/gateway', '/gateway-resume']);
    expect(client.ws.status).toBe(Status.Ready);
  });

  it('resumes after the TCP connection drops without a close frame, and after an op 7 RECONNECT', async () => {
    const { fake } = ctx;
    const client = await ctx.login();
    fake.killGateway();
    await fake.waitFor(() => fake.resumes.length === 1 && fake.gateway.readyConnections === 1, 5_000);
    fake.gateway.requestReconnect();
    await fake.waitFor(() => fake.resumes.length === 2 && fake.gateway.readyConnections === 1, 5_000);
    expect(fake.resumes.every((r) => r.accepted)).toBe(true);

    const echoed = nextEvent<[Message]>(client, Events.MessageCreate, (m) => m.content === 'still here');
    fake.sendMessage({ content: 'still here' });
    await echoed;
  });

  it('a restarted bot (new client) identifies again; events while it was down are not delivered', async () => {
    const { fake } = ctx;
    const first = await ctx.login();
    await first.destroy(); // closes with 1000: the session ends
    await fake.waitFor(() => fake.gateway.readyConnections === 0, 2_000);
    fake.sendMessage({ content: 'nobody is listening' });
    const thread = fake.createThreadAsMember({ name: 'created while the bot was down' });
    expect(fake.gateway.undelivered.map((d) => d.t)).toEqual(['MESSAGE_CREATE', 'THREAD_CREATE']);

    const second = await ctx.login();
    expect(fake.identifies).toHaveLength(2);
    expect(fake.identifies[0]?.sessionId).not.toBe(fake.identifies[1]?.sessionId);
    const received = nextEvent<[Message]>(second, Events.MessageCreate, (m) => m.content === 'welcome back');
    fake.sendMessage({ content: 'welcome back' });
    await received;
    // Active threads come with GUILD_CREATE of the new session.
    expect(second.channels.cache.get(thread.id)?.isThread()).toBe(true);
  });

  it('refuses a wrong token: REST 401 at login, close 4004 at IDENTIFY', async () => {
    const { fake } = ctx;
    const wrongToken = new Client({ intents: [GatewayIntentBits.Guilds], rest: { api: fake.apiUrl } });
    await expect(wrongToken.login('bm90LXRoZS10b2tlbg.AAAA.BBBB')).rejects.toThrow(/token/i);
    await wrongToken.destroy();
    expect(fake.takeViolations().map((v) => v.kind)).toEqual(['unauthorized']);

    const socket = new WebSocket(`${fake.gatewayUrl}?v=10&encoding=json`);
    const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
    socket.once('message', () => {
      const identify: GatewayIdentify = {
        op: GatewayOpcodes.Identify,
        d: {
          token: 'wrong',
          intents: GatewayIntentBits.Guilds,
          properties: { os: 'linux', browser: 'test', device: 'test' },
        },
      };
      socket.send(JSON.stringify(identify));
    });
    expect(await closed).toBe(GatewayCloseCodes.AuthenticationFailed);
    expect(fake.identifies).toHaveLength(0);
  });
});

describe('fake Discord: privileged intents not enabled', () => {
  const ctx = useFakeDiscord({ privilegedIntents: { messageContent: false } });

  it('closes with 4014 when the client asks for MessageContent', async () => {
    const { fake } = ctx;
    const client = new Client({
      intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages, GatewayIntentBits.MessageContent],
      rest: { api: fake.apiUrl },
    });
    const disconnected = new Promise<number>((resolve) =>
      client.once(Events.ShardDisconnect, (event) => resolve(event.code)),
    );
    client.login(fake.botToken).catch(() => undefined);
    await expect(
      Promise.race([
        disconnected,
        new Promise((_, reject) => setTimeout(() => reject(new Error('no disconnect')), 5_000)),
      ]),
    ).resolves.toBe(4014);
    expect(fake.gatewayConnections[0]).toMatchObject({ closeCode: 4014, closedBy: 'server' });
    await client.destroy();
  });
});
