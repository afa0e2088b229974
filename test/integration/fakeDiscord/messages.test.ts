import { describe, expect, it } from 'vitest';
import { ChannelType, DiscordAPIError, Events, GatewayIntentBits } from 'discord.js';
import type { Message, TextChannel, ThreadChannel } from 'discord.js';
import { nextEvent, rawRequest, useFakeDiscord } from './helpers.js';

const ctx = useFakeDiscord();

async function general(client: import('discord.js').Client<true>): Promise<TextChannel> {
  const channel = await client.channels.fetch(ctx.fake.ids.textChannelId);
  if (channel?.type !== ChannelType.GuildText) throw new Error('#general is not a text channel');
  return channel;
}

describe('fake Discord: login and messages with a real discord.js client', () => {
  it('logs in with the requested intents over plain JSON and becomes ready with the guild', async () => {
    const { fake } = ctx;
    const client = await ctx.login();

    expect(client.user.id).toBe(fake.ids.botUserId);
    expect(client.application.id).toBe(fake.ids.applicationId);
    const guild = client.guilds.cache.get(fake.ids.guildId);
    expect(guild?.channels.cache.get(fake.ids.textChannelId)?.type).toBe(ChannelType.GuildText);
    expect(guild?.members.cache.has(fake.ids.adminUserId)).toBe(true);
    expect(guild?.members.cache.get(fake.ids.adminUserId)?.permissions.has('ManageGuild')).toBe(true);
    expect(guild?.members.cache.get(fake.ids.memberUserId)?.permissions.has('ManageGuild')).toBe(false);

    expect(fake.identifies).toHaveLength(1);
    expect(fake.identifies[0]?.intents).toBe(
      GatewayIntentBits.Guilds | GatewayIntentBits.GuildMessages | GatewayIntentBits.MessageContent,
    );
    expect(fake.identifies[0]?.compress).toBe(false);
    expect(fake.gatewayConnections[0]?.query).toEqual({ v: '10', encoding: 'json' });
    expect(fake.requestsTo('GET /gateway/bot')).toHaveLength(1);
    expect(fake.ids.textChannelId).toMatch(/^\d{17,19}$/);
  });

  it('sends and edits a message, keeps every version and echoes MESSAGE_CREATE to the bot', async () => {
    const { fake } = ctx;
    const client = await ctx.login();
    const channel = await general(client);
    const echoed = nextEvent<[Message]>(client, Events.MessageCreate, (m) => m.author.id === client.user.id);

    const sent = await channel.send('first draft');
    expect((await echoed)[0].id).toBe(sent.id);
    await sent.edit('second draft');
    await sent.edit('final answer');

    const [record] = fake.botMessagesIn(channel.id);
    expect(record?.id).toBe(sent.id);
    expect(record?.current.content).toBe('final answer');
    const history = fake.messageHistory(sent.id);
    expect(history.map((v) => v.content)).toEqual(['first draft', 'second draft', 'final answer']);
    expect(history.map((v) => v.via)).toEqual(['create', 'edit', 'edit']);
    expect(history[2]!.at).toBeGreaterThanOrEqual(history[0]!.at);
    // The client option allowedMentions { parse: [] } goes out with the send and with every edit.
    expect(history.every((v) => JSON.stringify(v.allowedMentions) === JSON.stringify({ parse: [] }))).toBe(true);
    const edits = fake.requestsTo('PATCH /channels/{channel_id}/messages/{message_id}');
    expect(edits).toHaveLength(2);
    expect(edits[0]?.allowedMentions).toEqual({ parse: [] });
  });

  it('creates a thread from a message (thread id = message id) and from the channel route', async () => {
    const { fake } = ctx;
    const client = await ctx.login();
    const channel = await general(client);
    const starter = await channel.send('let us talk');
    const threadCreated = nextEvent<[ThreadChannel, boolean]>(client, Events.ThreadCreate);

    const fromMessage = await starter.startThread({ name: 'from a message' });
    expect(fromMessage.id).toBe(starter.id);
    expect(fromMessage.parentId).toBe(channel.id);
    expect(fromMessage.type).toBe(ChannelType.PublicThread);
    const [createdEvent, newlyCreated] = await threadCreated;
    expect(createdEvent.id).toBe(starter.id);
    expect(newlyCreated).toBe(true);

    const inThread = await fromMessage.send('inside the thread');
    expect(inThread.channelId).toBe(fromMessage.id);
    expect(fake.message(inThread.id)?.current.channel_id).toBe(fromMessage.id);

    const standalone = await channel.threads.create({ name: 'standalone', type: ChannelType.PublicThread });
    expect(standalone.parentId).toBe(channel.id);
    const fetched = await client.channels.fetch(standalone.id, { force: true });
    expect(fetched?.isThread()).toBe(true);

    expect(fake.threads.map((t) => [t.name, t.parentId, t.fromMessageId])).toEqual([
      ['from a message', channel.id, starter.id],
      ['standalone', channel.id, null],
    ]);
    expect(fake.requestsTo('POST /channels/{channel_id}/messages/{message_id}/threads')).toHaveLength(1);
    expect(fake.requestsTo('POST /channels/{channel_id}/threads')).toHaveLength(1);
  });

  it("receives a member's message that mentions the bot, in a channel and in a thread the client never saw created", async () => {
    const { fake } = ctx;
    const client = await ctx.login();
    const mentioned = nextEvent<[Message]>(client, Events.MessageCreate, (m) => !m.author.bot);
    const posted = fake.sendMessage({ content: 'how do I sort a list?', mentionsBot: true });

    const [message] = await mentioned;
    expect(message.id).toBe(posted.id);
    expect(message.content).toBe(`<@${fake.ids.botUserId}> how do I sort a list?`);
    expect(message.mentions.users.has(client.user.id)).toBe(true);
    expect(message.author.id).toBe(fake.ids.memberUserId);
    expect(message.member?.id).toBe(fake.ids.memberUserId);

    const thread = fake.createThreadAsMember({ name: 'member thread' });
    await fake.waitFor(() => client.channels.cache.has(thread.id), 2_000);
    const inThread = nextEvent<[Message]>(client, Events.MessageCreate, (m) => m.channelId === thread.id);
    fake.sendMessage({ channelId: thread.id, content: 'follow-up question' });
    const [threadMessage] = await inThread;
    expect(threadMessage.channel.isThread()).toBe(true);
    expect(threadMessage.content).toBe('follow-up question');
  });

  it('blanks content for a client without the MessageContent intent unless the bot is mentioned', async () => {
    const { fake } = ctx;
    const client = await ctx.login({
      clientOptions: { intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages] },
    });
    const received: Message[] = [];
    client.on(Events.MessageCreate, (m) => received.push(m));
    fake.sendMessage({ content: 'not for the bot' });
    fake.sendMessage({ content: 'for the bot', mentionsBot: true });
    await fake.waitFor(() => received.length === 2, 2_000);
    expect(received.map((m) => m.content)).toEqual(['', `<@${fake.ids.botUserId}> for the bot`]);
  });

  it('rejects content over 2000 characters with 400 / 50035 and records the violation', async () => {
    const { fake } = ctx;
    const client = await ctx.login();
    const channel = await general(client);

    const error = await channel.send('x'.repeat(2001)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DiscordAPIError);
    expect((error as DiscordAPIError).status).toBe(400);
    expect((error as DiscordAPIError).code).toBe(50035);
    expect((error as DiscordAPIError).rawError).toMatchObject({
      errors: { content: { _errors: [{ code: 'BASE_TYPE_MAX_LENGTH' }] } },
    });
    await expect(channel.send('y'.repeat(2000))).resolves.toBeDefined();

    const violations = fake.takeViolations();
    expect(violations).toHaveLength(1);
    expect(violations[0]).toMatchObject({
      kind: 'invalid-request-body',
      route: 'POST /channels/{channel_id}/messages',
      pointer: '/content',
      rule: 'maxLength',
    });
  });

  it('rejects whitespace-only content with 50006 and trims content like Discord', async () => {
    const { fake } = ctx;
    const client = await ctx.login();
    const channel = await general(client);
    const error = await channel.send('   \n  ').catch((e: unknown) => e);
    expect((error as DiscordAPIError).code).toBe(50006);
    const sent = await channel.send('  padded  ');
    expect(sent.content).toBe('padded');
    expect(fake.messageHistory(sent.id)[0]?.content).toBe('padded');
  });

  it('answers typing with 204 and no JSON content type', async () => {
    const { fake } = ctx;
    const client = await ctx.login();
    const channel = await general(client);
    await channel.sendTyping();
    expect(fake.typing.map((t) => t.channelId)).toEqual([channel.id]);

    const raw = await rawRequest(fake, 'POST', `/channels/${channel.id}/typing`);
    expect(raw.status).toBe(204);
    expect(raw.headers.get('content-type')).toBeNull();
    expect(raw.json).toBeUndefined();
  });

  it('records pings: none under allowed_mentions { parse: [] }, all of them when allowed_mentions is absent', async () => {
    const { fake } = ctx;
    const client = await ctx.login();
    const channel = await general(client);
    const risky = `@everyone look, <@${fake.ids.memberUserId}> and <@&${fake.ids.adminRoleId}>`;

    const safe = await channel.send(risky);
    expect(safe.mentions.everyone).toBe(false);
    expect(fake.pings).toHaveLength(0);

    const raw = await rawRequest(fake, 'POST', `/channels/${channel.id}/messages`, { content: risky });
    expect(raw.status).toBe(200);
    expect(fake.pings.map((p) => p.kind).sort()).toEqual(['everyone', 'role', 'user']);
    expect(fake.requests.at(-1)?.allowedMentions).toBeUndefined();
  });

  it('serves message, channel, guild and member lookups that discord.js fetches', async () => {
    const { fake } = ctx;
    const client = await ctx.login();
    const channel = await general(client);
    const sent = await channel.send('look me up');
    const fetched = await channel.messages.fetch({ message: sent.id, force: true });
    expect(fetched.content).toBe('look me up');
    const recent = await channel.messages.fetch({ limit: 10 });
    expect(recent.has(sent.id)).toBe(true);
    const guild = await client.guilds.fetch({ guild: fake.ids.guildId, force: true });
    expect(guild.name).toBe('Fake Guild');
    const member = await guild.members.fetch({ user: fake.ids.adminUserId, force: true });
    expect(member.roles.cache.has(fake.ids.adminRoleId)).toBe(true);
    await sent.delete();
    expect(fake.message(sent.id)?.deletedAt).not.toBeNull();
    expect(fake.messagesIn(channel.id).some((m) => m.id === sent.id)).toBe(false);
  });
});
