import type { ChatCompletionCreateParams } from 'openai/resources/chat/completions';
import { describe, expect, it } from 'vitest';
import { pngOf } from '../helpers/testImages.js';
import { harnessPerTest, type Harness } from './harness.js';
import { waitForAnswer } from './waitForAnswer.js';

type Body = ChatCompletionCreateParams;
type Part = { type: string; text?: string; image_url?: { url: string; detail?: string } };

const userContents = (body: unknown) =>
  (body as Body).messages.filter((m) => m.role === 'user').map((m) => m.content as string | Part[]);
const imageUrls = (content: string | Part[]) =>
  typeof content === 'string' ? [] : content.filter((p) => p.type === 'image_url').map((p) => p.image_url!.url);

describe('attachments through Discord', () => {
  let h: Harness;
  const start = harnessPerTest();

  async function ask(input: Parameters<Harness['discord']['sendMessage']>[0]) {
    const asked = h.discord.sendMessage({ mentionsBot: true, ...input });
    const thread = await h.discord.waitForThread({ fromMessageId: asked.id });
    await waitForAnswer(h.discord, thread.id);
    return thread.id;
  }

  it('sends an image as a resized data: URL, keeps its own copy, and still carries it after a restart', async () => {
    h = await start();
    const image = await h.discord.uploadAttachment({ filename: 'screenshot.png', bytes: await pngOf(3000, 2000) });
    const threadId = await ask({ content: 'what does this error say?', attachments: [image] });
    const first = userContents(h.openai.chatRequests()[0]!.body).at(-1)!;
    expect(first).toEqual([
      { type: 'text', text: 'what does this error say?' },
      { type: 'image_url', image_url: { url: expect.stringMatching(/^data:image\/jpeg;base64,/), detail: 'high' } },
    ]);
    // The turn is stored with the image's formula cost (3000×2000 → 1152×768 → 6 tiles → 1105 tokens).
    const meta = await h.bot.store.getThread(threadId);
    const [userTurn] = await h.bot.store.getTurns(meta!, 0, 1);
    expect(userTurn!.parts.map((p) => [p.type, p.tokens])).toEqual([
      ['text', expect.any(Number)],
      ['image', 1105],
    ]);

    // Discord's link expires; after a restart the follow-up still shows the model the same image.
    h.discord.expireAttachmentUrls();
    await h.restart();
    h.discord.sendMessage({ channelId: threadId, content: 'and how do I fix it?' });
    await waitForAnswer(h.discord, threadId, { atLeast: 2 });
    const later = userContents(h.openai.chatRequests().at(-1)!.body);
    expect(imageUrls(later[0]!)).toEqual(imageUrls(first));
    expect(later[1]).toBe('and how do I fix it?');
  });

  it('reads a text file headed by its name, and names the files it cannot read while still answering', async () => {
    h = await start();
    const code = await h.discord.uploadAttachment({
      filename: 'main.py',
      bytes: new TextEncoder().encode('print(1/0)\n'),
    });
    const zip = await h.discord.uploadAttachment({ filename: 'logs.zip', bytes: new Uint8Array([80, 75, 3, 4, 0, 0]) });
    const threadId = await ask({ content: 'why does this crash?', attachments: [code, zip] });
    const sent = userContents(h.openai.chatRequests()[0]!.body).at(-1);
    expect(sent).toContain('why does this crash?');
    expect(sent).toContain('Attached file “main.py”:\nprint(1/0)');
    const shown = h.discord.botMessagesIn(threadId).map((m) => m.current.content);
    expect(shown.some((t) => /\.zip/.test(t))).toBe(true);
    expect(shown.at(-1)).toMatch(/^You said:/);
  });

  it('with OPENAI_VISION=false tells the user the model cannot see images and answers the text', async () => {
    h = await start({ env: { OPENAI_VISION: 'false' } });
    const image = await h.discord.uploadAttachment({ filename: 'cat.png', bytes: await pngOf(64, 64) });
    const threadId = await ask({ content: 'describe my cat', attachments: [image] });
    expect(h.discord.cdnDownloads).toHaveLength(0);
    expect(userContents(h.openai.chatRequests()[0]!.body).at(-1)).toBe('describe my cat');
    const shown = h.discord
      .botMessagesIn(threadId)
      .map((m) => m.current.content)
      .join('\n');
    expect(shown).toMatch(/can't see images/);
  });

  it('/chat file: reaches the model and /reset forgets the stored image', async () => {
    h = await start();
    const file = await h.discord.uploadAttachment({
      filename: 'chart.png',
      bytes: await pngOf(800, 600),
      ephemeral: true,
    });
    await h.discord
      .runSlashCommand({ name: 'chat', options: { message: 'explain this chart', file: file.id } })
      .settled();
    const thread = await h.discord.waitForThread({});
    await waitForAnswer(h.discord, thread.id);
    const sent = userContents(h.openai.chatRequests()[0]!.body).at(-1)!;
    expect(imageUrls(sent)).toHaveLength(1);
    const meta = await h.bot.store.getThread(thread.id);
    expect(meta?.blobIds).toHaveLength(1);
    expect((await h.bot.store.getBlobs(thread.id, meta!.blobIds!)).size).toBe(1);
    await h.discord.runSlashCommand({ name: 'reset', channelId: thread.id }).settled();
    expect((await h.bot.store.getBlobs(thread.id, meta!.blobIds!)).size).toBe(0);
  });

  it('labels every user turn with its author once several people talk in a thread', async () => {
    h = await start();
    const threadId = await ask({ content: 'I prefer tabs' });
    const other = h.discord.addMember({ username: 'sam', globalName: 'Sam' });
    h.discord.sendMessage({ channelId: threadId, authorId: other.id, content: 'spaces are better' });
    await waitForAnswer(h.discord, threadId, { atLeast: 2 });
    const sent = userContents(h.openai.chatRequests().at(-1)!.body) as string[];
    expect(sent).toHaveLength(2);
    expect(sent[0]).toMatch(/^.+: I prefer tabs$/);
    expect(sent[1]).toBe('Sam: spaces are better');
    // A single speaker's messages go unlabelled (the first request).
    expect(userContents(h.openai.chatRequests()[0]!.body)).toEqual(['I prefer tabs']);
  });
});
