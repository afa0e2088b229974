/**
 * The fake Discord delivers attachments to a real discord.js Client, on a member's message and on a /chat `file:`
 * option, and the bytes behind the attachment URL can be fetched through fetchAttachment, as the bot will do.
 */
import { Events, MessageFlags, SlashCommandBuilder } from 'discord.js';
import type { Attachment, ChatInputCommandInteraction, Message, TextChannel } from 'discord.js';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { fetchAttachment } from '../../../src/input/fetchAttachment.js';
import type { AttachmentRef } from '../../../src/input/readAttachments.js';
import { readAttachments } from '../../../src/input/readAttachments.js';
import { nextEvent, useFakeDiscord } from '../fakeDiscord/helpers.js';
import { pngOf } from '../../helpers/testImages.js';

const ctx = useFakeDiscord();

/** The mapping the Discord layer does: discord.js Attachment → the ref src/input reads. */
const refOf = (a: Attachment): AttachmentRef => ({
  url: a.url,
  name: a.name,
  size: a.size,
  contentType: a.contentType,
});
const limits = {
  maxAttachments: 4,
  maxBytes: 10 * 1024 * 1024,
  maxChars: 40_000,
  detail: 'high',
  vision: true,
} as const;

describe('fake Discord attachments reach a real discord.js client', () => {
  it('puts image and text attachments on a member message, with signed CDN URLs whose bytes download', async () => {
    const { fake } = ctx;
    const client = await ctx.login();
    const png = await pngOf(1200, 900);
    const image = await fake.uploadAttachment({ filename: 'error.png', bytes: png });
    const code = await fake.uploadAttachment({
      filename: 'app.ts',
      bytes: new TextEncoder().encode('const x: number = 1;\n'),
    });
    const received = nextEvent<[Message]>(client, Events.MessageCreate, (m) => m.author.id === fake.ids.memberUserId);
    fake.sendMessage({ content: '', mentionsBot: true, attachments: [image, code] });
    const [message] = await received;

    const [shot, file] = [...message.attachments.values()];
    expect(shot).toMatchObject({
      name: 'error.png',
      size: png.byteLength,
      contentType: 'image/png',
      width: 1200,
      height: 900,
    });
    expect(file).toMatchObject({ name: 'app.ts', contentType: 'video/mp2t', width: null, height: null });
    const url = new URL(shot?.url ?? '');
    expect([...url.searchParams.keys()]).toEqual(['ex', 'is', 'hm']);
    expect(Number.parseInt(url.searchParams.get('ex') ?? '0', 16) * 1000).toBeGreaterThan(Date.now() + 23 * 3_600_000);
    expect(url.pathname).toBe(`/attachments/${fake.ids.textChannelId}/${shot?.id}/error.png`);

    const policy = { apiBase: fake.apiUrl, maxBytes: limits.maxBytes };
    const downloaded = await fetchAttachment(
      { url: shot?.url ?? '', name: 'error.png', size: shot?.size ?? 0 },
      policy,
    );
    expect(Buffer.from(downloaded).equals(png)).toBe(true);
    const viaProxy = await fetchAttachment({ url: shot?.proxyURL ?? '', name: 'error.png' }, policy);
    expect(viaProxy.byteLength).toBe(png.byteLength);

    const { parts, notices } = await readAttachments([...message.attachments.values()].map(refOf), limits, {
      apiBase: fake.apiUrl,
    });
    expect(notices).toEqual([]);
    expect(parts.map((p) => [p.type, (p.tokens ?? 0) > 0])).toEqual([
      ['image', true],
      ['file', true],
    ]);
    expect(parts[0]).toMatchObject({ width: 1024, height: 768, tokens: 765 });
    expect(fake.cdnDownloads.every((d) => !d.sentAuthorization)).toBe(true);
  });

  it('serves the same attachment objects over REST (checked against the spec) after a fetch', async () => {
    const { fake } = ctx;
    const client = await ctx.login();
    const image = await fake.uploadAttachment({
      filename: 'cat.webp',
      bytes: await sharp(await pngOf(30, 20))
        .webp()
        .toBuffer(),
    });
    const sent = fake.sendMessage({ content: 'look', attachments: [image] });
    const channel = (await client.channels.fetch(fake.ids.textChannelId)) as TextChannel;
    const fetched = await channel.messages.fetch({ message: sent.id, force: true });
    expect(fetched.attachments.first()).toMatchObject({
      id: image.id,
      name: 'cat.webp',
      contentType: 'image/webp',
      width: 30,
    });
    expect(fake.requestsTo('GET /channels/{channel_id}/messages/{message_id}')).toHaveLength(1);
  });

  it('checks the attachment objects it makes against the spec (a size beyond int32 is a violation)', async () => {
    const { fake } = ctx;
    await fake.uploadAttachment({ filename: 'ok.txt', bytes: new Uint8Array([104, 105]) });
    expect(fake.violations).toEqual([]);
    await fake.uploadAttachment({ filename: 'odd.txt', bytes: new Uint8Array([104, 105]), declaredSize: 2 ** 33 });
    expect(fake.takeViolations().map((v) => v.message)).toEqual([expect.stringMatching(/^attachment \/size .*int32/)]);
  });

  it('resolves a /chat file: option to an ephemeral attachment the bot can download', async () => {
    const { fake } = ctx;
    const client = await ctx.login();
    const chat = new SlashCommandBuilder()
      .setName('chat')
      .setDescription('Start a conversation')
      .addStringOption((o) => o.setName('message').setDescription('What to ask').setRequired(true))
      .addAttachmentOption((o) => o.setName('file').setDescription('An image or text file'));
    await client.application.commands.set([chat.toJSON()], fake.ids.guildId);
    const bytes = new TextEncoder().encode('{"ok": true}\n');
    const file = await fake.uploadAttachment({ filename: 'data.json', bytes, ephemeral: true });

    const handled = new Promise<Attachment | null>((resolve) => {
      client.once(Events.InteractionCreate, async (interaction) => {
        const command = interaction as ChatInputCommandInteraction;
        const attachment = command.options.getAttachment('file');
        await command.reply({ content: 'ok', flags: MessageFlags.Ephemeral });
        resolve(attachment);
      });
    });
    await fake.runSlashCommand({ name: 'chat', options: { message: 'what is this?', file: file.id } }).settled();
    const attachment = await handled;

    expect(attachment).toMatchObject({
      id: file.id,
      name: 'data.json',
      ephemeral: true,
      contentType: 'application/json; charset=utf-8',
    });
    expect(new URL(attachment?.url ?? '').pathname.startsWith('/ephemeral-attachments/')).toBe(true);
    const { parts } = await readAttachments(attachment ? [refOf(attachment)] : [], limits, { apiBase: fake.apiUrl });
    expect(parts).toMatchObject([{ type: 'file', name: 'data.json', text: '{"ok": true}\n' }]);
  });
});
