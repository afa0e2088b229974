import { describe, expect, it } from 'vitest';
import {
  ChannelType,
  DiscordAPIError,
  Events,
  InteractionContextType,
  InteractionResponseType,
  MessageFlags,
  PermissionFlagsBits,
  SlashCommandBuilder,
} from 'discord.js';
import type { ChatInputCommandInteraction, Client } from 'discord.js';
import { useFakeDiscord } from './helpers.js';

/** Run `handler` for the next slash command and surface its errors to the test. */
function onNextCommand(
  client: Client,
  handler: (interaction: ChatInputCommandInteraction) => Promise<void>,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    client.once(Events.InteractionCreate, (interaction) => {
      if (!interaction.isChatInputCommand()) {
        reject(new Error('expected a chat input command'));
        return;
      }
      handler(interaction).then(resolve, reject);
    });
  });
}

describe('fake Discord: slash command interactions with a real discord.js client', () => {
  const ctx = useFakeDiscord();

  it('replies with withResponse and starts a thread from the reply (thread id = reply id)', async () => {
    const { fake } = ctx;
    const client = await ctx.login();
    let threadId = '';
    const handled = onNextCommand(client, async (interaction) => {
      expect(interaction.commandName).toBe('chat');
      expect(interaction.options.getString('message')).toBe('hello model');
      const response = await interaction.reply({ content: 'Opening a thread…', withResponse: true });
      const message = response.resource?.message;
      if (!message) throw new Error('no resource.message in the callback response');
      const thread = await message.startThread({ name: 'hello model' });
      threadId = thread.id;
      await thread.send('first answer');
    });

    const command = fake.runSlashCommand({ name: 'chat', options: { message: 'hello model' } });
    await handled;
    const outcome = await command.settled();

    expect(outcome.responseType).toBe(InteractionResponseType.ChannelMessageWithSource);
    expect(outcome.ephemeral).toBe(false);
    expect(outcome.respondedAfterMs).toBeLessThan(3_000);
    expect(outcome.originalContent).toBe('Opening a thread…');
    expect(threadId).toBe(outcome.original?.id);
    expect(fake.threads).toMatchObject([{ id: threadId, parentId: fake.ids.textChannelId, fromMessageId: threadId }]);
    expect(fake.botMessagesIn(threadId).map((m) => m.current.content)).toEqual(['first answer']);
    expect(fake.requestsTo('POST /interactions/{interaction_id}/{interaction_token}/callback')[0]?.query).toEqual({
      with_response: 'true',
    });
  });

  it('defers, then edits @original (sent as %40original)', async () => {
    const { fake } = ctx;
    const client = await ctx.login();
    const handled = onNextCommand(client, async (interaction) => {
      await interaction.deferReply();
      await new Promise((resolve) => setTimeout(resolve, 50));
      await interaction.editReply('the slow answer');
    });
    const command = fake.runSlashCommand({ name: 'chat', options: { message: 'slow' } });
    await handled;
    const outcome = await command.settled();

    expect(outcome.deferred).toBe(true);
    expect(outcome.ephemeral).toBe(false);
    expect(outcome.originalContent).toBe('the slow answer');
    expect(fake.messageHistory(outcome.original!.id).map((v) => v.content)).toEqual(['', 'the slow answer']);
    const edit = fake.requestsTo('PATCH /webhooks/{webhook_id}/{webhook_token}/messages/@original')[0];
    expect(edit?.path).toMatch(/\/messages\/%40original$/);
    expect(edit?.allowedMentions).toEqual({ parse: [] });
  });

  it('ephemeral defer + edit, then an ephemeral follow-up', async () => {
    const { fake } = ctx;
    const client = await ctx.login();
    const handled = onNextCommand(client, async (interaction) => {
      await interaction.deferReply({ flags: MessageFlags.Ephemeral });
      await interaction.editReply('your usage: 42 tokens');
      const followUp = await interaction.followUp({ content: 'details follow', flags: MessageFlags.Ephemeral });
      expect(followUp.content).toBe('details follow');
    });
    const command = fake.runSlashCommand({ name: 'usage' });
    await handled;
    const outcome = await command.settled();

    expect(outcome.ephemeral).toBe(true);
    expect(outcome.originalContent).toBe('your usage: 42 tokens');
    expect(outcome.followUpContents).toEqual(['details follow']);
    expect(outcome.followUps[0]?.ephemeral).toBe(true);
    // Ephemeral messages are not dispatched to the channel.
    expect(fake.dispatches.filter((d) => d.t === 'MESSAGE_CREATE')).toHaveLength(0);
  });

  it('the first follow-up after a defer fills the deferred message', async () => {
    const { fake } = ctx;
    const client = await ctx.login();
    const handled = onNextCommand(client, async (interaction) => {
      await interaction.deferReply();
      await interaction.followUp('answer via follow-up');
      await interaction.followUp('a second follow-up');
    });
    const command = fake.runSlashCommand({ name: 'chat', options: { message: 'x' } });
    await handled;
    const outcome = await command.settled();
    expect(outcome.originalContent).toBe('answer via follow-up');
    expect(outcome.followUpContents).toEqual(['a second follow-up']);
  });

  it('reflects admin vs member permissions, subcommands and registered option types', async () => {
    const { fake } = ctx;
    const client = await ctx.login();
    const systemPrompt = new SlashCommandBuilder()
      .setName('system-prompt')
      .setDescription('Manage the server system prompt')
      .setDefaultMemberPermissions(PermissionFlagsBits.ManageGuild)
      .setContexts(InteractionContextType.Guild)
      .addSubcommand((sub) =>
        sub
          .setName('set')
          .setDescription('Set it')
          .addStringOption((o) => o.setName('prompt').setDescription('The prompt').setRequired(true))
          .addIntegerOption((o) => o.setName('weight').setDescription('A number')),
      );
    await client.application.commands.set([systemPrompt.toJSON()], fake.ids.guildId);
    expect(fake.commands.registrations).toHaveLength(1);
    expect(fake.commands.registrations[0]).toMatchObject({ scope: fake.ids.guildId, method: 'PUT' });
    expect(fake.commands.list(fake.ids.guildId)[0]?.default_member_permissions).toBe(
      PermissionFlagsBits.ManageGuild.toString(),
    );

    const seen: { admin: boolean; sub: string; prompt: string; weight: number | null; appCanSend: boolean }[] = [];
    const record = async (interaction: ChatInputCommandInteraction): Promise<void> => {
      seen.push({
        admin: interaction.memberPermissions?.has(PermissionFlagsBits.ManageGuild) ?? false,
        sub: interaction.options.getSubcommand(),
        prompt: interaction.options.getString('prompt', true),
        weight: interaction.options.getInteger('weight'),
        appCanSend: interaction.appPermissions.has(PermissionFlagsBits.SendMessages),
      });
      await interaction.reply({ content: 'ok', flags: MessageFlags.Ephemeral });
    };
    let handled = onNextCommand(client, record);
    await fake
      .runSlashCommand({
        name: 'system-prompt',
        subcommand: 'set',
        options: { prompt: 'Be brief', weight: 3 },
        asAdmin: true,
      })
      .settled();
    await handled;
    handled = onNextCommand(client, record);
    const asMember = fake.runSlashCommand({ name: 'system-prompt', subcommand: 'set', options: { prompt: 'Be rude' } });
    await asMember.settled();
    await handled;

    expect(seen).toEqual([
      { admin: true, sub: 'set', prompt: 'Be brief', weight: 3, appCanSend: true },
      { admin: false, sub: 'set', prompt: 'Be rude', weight: null, appCanSend: true },
    ]);
    expect(asMember.payload.data.id).toBe(fake.commands.list(fake.ids.guildId)[0]?.id);
    expect(asMember.ephemeral).toBe(true);
  });

  it('a slash command in a thread carries the thread as channel', async () => {
    const { fake } = ctx;
    const client = await ctx.login();
    const thread = fake.createThreadAsMember({ name: 'a conversation' });
    await fake.waitFor(() => client.channels.cache.has(thread.id), 2_000);
    let channelType: ChannelType | undefined;
    const handled = onNextCommand(client, async (interaction) => {
      channelType = interaction.channel?.type;
      await interaction.reply('History forgotten.');
    });
    const command = fake.runSlashCommand({ name: 'reset', channelId: thread.id });
    await handled;
    const outcome = await command.settled();
    expect(channelType).toBe(ChannelType.PublicThread);
    expect(outcome.original?.channelId).toBe(thread.id);
  });
});

describe('fake Discord: the interaction response deadline', () => {
  const DEADLINE_MS = 150;
  const late = useFakeDiscord({ interactionResponseDeadlineMs: DEADLINE_MS });

  it('a first response later than the deadline fails with 10062 Unknown interaction', async () => {
    const { fake } = late;
    const client = await late.login();
    const handled = onNextCommand(client, async (interaction) => {
      await new Promise((resolve) => setTimeout(resolve, DEADLINE_MS + 100));
      await interaction.reply('too late');
    });
    const command = fake.runSlashCommand({ name: 'chat', options: { message: 'x' } });
    const error = await handled.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DiscordAPIError);
    expect((error as DiscordAPIError).code).toBe(10062);
    expect((error as DiscordAPIError).status).toBe(404);
    expect(command.responseType).toBeUndefined();
  });
});
