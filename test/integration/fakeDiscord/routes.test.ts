import { describe, expect, it } from 'vitest';
import { ChannelType, DiscordAPIError, Events, MessageFlags, SlashCommandBuilder } from 'discord.js';
import type { Message, TextChannel } from 'discord.js';
import { useFakeDiscord } from './helpers.js';

describe('fake Discord: the remaining routes (every response is checked against the spec)', () => {
  const ctx = useFakeDiscord();

  async function general(): Promise<TextChannel> {
    const client = await ctx.login();
    const channel = await client.channels.fetch(ctx.fake.ids.textChannelId);
    if (channel?.type !== ChannelType.GuildText) throw new Error('no text channel');
    return channel;
  }

  it('application, user and global command registration', async () => {
    const { fake } = ctx;
    const client = await ctx.login();
    const application = await client.application.fetch();
    expect(application.id).toBe(fake.ids.applicationId);
    const me = await client.users.fetch(client.user.id, { force: true });
    expect(me.bot).toBe(true);

    const chat = new SlashCommandBuilder()
      .setName('chat')
      .setDescription('Start a conversation')
      .addStringOption((o) => o.setName('message').setDescription('Your message').setRequired(true));
    const registered = await client.application.commands.set([chat.toJSON()]);
    expect([...registered.values()].map((c) => c.name)).toEqual(['chat']);
    const again = await client.application.commands.set([chat.toJSON()]);
    expect(again.first()?.id).toBe(registered.first()?.id); // ids are stable across overwrites
    expect(fake.commands.registrations.map((r) => r.scope)).toEqual(['global', 'global']);
    expect((await client.application.commands.fetch()).size).toBe(1);
  });

  it('uploads a file as multipart: payload_json is validated and the attachment recorded', async () => {
    const { fake } = ctx;
    const channel = await general();
    const sent = await channel.send({
      content: 'see attached',
      files: [{ attachment: Buffer.from('hello file'), name: 'notes.txt' }],
    });
    expect(sent.attachments.first()?.name).toBe('notes.txt');
    const request = fake.requestsTo('POST /channels/{channel_id}/messages')[0];
    expect(request?.contentType).toMatch(/^multipart\/form-data/);
    expect(request?.files).toEqual([expect.objectContaining({ filename: 'notes.txt', size: 10 })]);
    expect(request?.allowedMentions).toEqual({ parse: [] });
  });

  it('fetches, edits and deletes interaction replies and follow-ups', async () => {
    const { fake } = ctx;
    const client = await ctx.login();
    const handled = new Promise<void>((resolve, reject) => {
      client.once(Events.InteractionCreate, async (interaction) => {
        try {
          if (!interaction.isChatInputCommand()) throw new Error('not a command');
          await interaction.reply('v1');
          expect((await interaction.fetchReply()).content).toBe('v1');
          const followUp = await interaction.followUp('follow v1');
          await interaction.editReply({ message: followUp.id, content: 'follow v2' });
          await interaction.editReply('v2');
          const extra = await interaction.followUp({ content: 'temporary', flags: MessageFlags.SuppressNotifications });
          await interaction.deleteReply(extra.id);
          resolve();
        } catch (error) {
          reject(error);
        }
      });
    });
    const command = fake.runSlashCommand({ name: 'chat', options: { message: 'hi' } });
    await handled;
    const outcome = await command.settled();
    expect(outcome.originalContent).toBe('v2');
    expect(outcome.followUpContents).toEqual(['follow v2']);
    expect(outcome.calls.map((c) => c.kind)).toEqual([
      'callback',
      'get-original',
      'follow-up',
      'edit-follow-up',
      'edit-original',
      'follow-up',
      'delete-follow-up',
    ]);
  });

  it('an archived thread refuses edits (50083); a new message unarchives it', async () => {
    const { fake } = ctx;
    const channel = await general();
    const thread = await channel.threads.create({ name: 'old conversation', type: ChannelType.PublicThread });
    const answer = await thread.send('an answer');
    fake.archiveThread(thread.id);
    await fake.waitFor(() => thread.archived === true, 2_000);

    const error = await answer.edit('a late edit').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DiscordAPIError);
    expect((error as DiscordAPIError).code).toBe(50083);
    await thread.send('back again');
    expect(fake.threads[0]?.archived).toBe(false);
  });

  it('waitForBotMessageIdle waits until a streamed answer stops changing', async () => {
    const { fake } = ctx;
    const client = await ctx.login();
    client.on(Events.MessageCreate, async (message: Message) => {
      if (message.author.bot || !message.channel.isSendable()) return;
      const reply = await message.channel.send('Thinking');
      for (const text of ['The answer', 'The answer is', 'The answer is 42.']) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        await reply.edit(text);
      }
    });
    fake.sendMessage({ content: 'what is the answer?', mentionsBot: true });
    const [reply] = await fake.waitForBotMessageIdle(fake.ids.textChannelId, { idleMs: 300, timeoutMs: 5_000 });
    expect(reply?.current.content).toBe('The answer is 42.');
    expect(fake.messageHistory(reply!.id).map((v) => v.content)).toEqual([
      'Thinking',
      'The answer',
      'The answer is',
      'The answer is 42.',
    ]);
  });

  it('a member cannot be impersonated by a user who is not in the guild', async () => {
    const { fake } = ctx;
    expect(() => fake.sendMessage({ authorId: '123456789012345678', content: 'who am I' })).toThrow(
      /Unknown (Member|User)/,
    );
    const newcomer = fake.addMember({ username: 'bob' });
    expect(fake.sendMessage({ authorId: newcomer.id, content: 'hi, I am new' }).authorId).toBe(newcomer.id);
  });
});
