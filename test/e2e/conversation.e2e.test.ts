import { describe, expect, it } from 'vitest';
import { harnessPerTest, transcript, type Harness } from './harness.js';
import { visibleText, waitForAnswer } from './waitForAnswer.js';

describe('conversations end to end (discord.js + openai SDK + SQLite + both fakes)', () => {
  let h: Harness;
  const start = harnessPerTest();

  it('/chat opens a thread, streams the answer by editing it in place, and a follow-up remembers the first turn', async () => {
    h = await start({
      openai: {
        answer: (b) => `Answer about ${String(b.messages.at(-1)?.content)}. ${'More detail follows here. '.repeat(12)}`,
        tokensPerSecond: 60,
        chunkTokens: 2,
      },
    });
    const { discord, openai } = h;
    const chat = discord.runSlashCommand({
      name: 'chat',
      options: { message: 'How do I sort an array in TypeScript?' },
    });
    const outcome = await chat.settled({ idleMs: 200 });
    expect(outcome.ephemeral).toBe(false);
    expect(outcome.respondedAfterMs).toBeLessThan(3_000);
    const thread = await discord.waitForThread({ parentId: discord.ids.textChannelId });
    expect(thread.name).toBe('How do I sort an array in TypeScript?');
    const [answer] = await waitForAnswer(discord, thread.id);
    // One message, grown by edits while streaming, ending with the full answer and no cursor.
    const versions = discord.messageHistory(answer!.id);
    expect(versions.length).toBeGreaterThan(2);
    expect(versions[0]!.content.length).toBeLessThan(versions.at(-1)!.content.length);
    expect(versions.slice(0, -1).some((v) => v.content.endsWith('▌'))).toBe(true);
    expect(answer!.current.content).toMatch(/^Answer about How do I sort an array in TypeScript\?\. More detail/);
    expect(answer!.current.content).not.toContain('▌');

    discord.sendMessage({ channelId: thread.id, content: 'And in reverse order?' });
    await waitForAnswer(discord, thread.id, { atLeast: 2 });
    expect(transcript(openai.chatRequests().at(-1)!.body)).toEqual([
      expect.stringMatching(/^system: /),
      'user: How do I sort an array in TypeScript?',
      // Discord trims what it shows; the stored answer is the model's text as generated.
      `assistant: ${answer!.current.content} `,
      'user: And in reverse order?',
    ]);
  });

  it('mentioning the bot in a channel opens a thread from that message; bots and unrelated threads are ignored', async () => {
    h = await start();
    const { discord, openai } = h;
    const asked = discord.sendMessage({ content: 'what is a monad?', mentionsBot: true });
    const thread = await discord.waitForThread({ fromMessageId: asked.id });
    await waitForAnswer(discord, thread.id);
    expect(visibleText(discord, thread.id)).toBe('You said: what is a monad?');

    // A message in the channel without a mention, and a thread nobody asked the bot in: no answer.
    discord.sendMessage({ content: 'just chatting' });
    const other = discord.createThreadAsMember({ name: 'side topic' });
    discord.sendMessage({ channelId: other.id, content: 'not for the bot' });
    // Another bot writing in the conversation thread is ignored too.
    const otherBot = discord.world.addUser({ username: 'OtherBot', globalName: null, bot: true });
    discord.world.addMember(discord.ids.guildId, otherBot.id, []);
    discord.sendMessage({ channelId: thread.id, authorId: otherBot.id, content: 'I am a bot, answer me' });
    await new Promise((r) => setTimeout(r, 500));
    expect(openai.chatRequests()).toHaveLength(1);
    expect(discord.botMessagesIn(other.id)).toHaveLength(0);
  });

  it('a text-less message in a conversation thread gets a short notice and nothing is sent to the model', async () => {
    h = await start();
    const { discord, openai } = h;
    const asked = discord.sendMessage({ content: 'hello', mentionsBot: true });
    const thread = await discord.waitForThread({ fromMessageId: asked.id });
    await waitForAnswer(discord, thread.id);
    // An image with no text, as Discord delivers it: empty content, one attachment.
    discord.world.createMessage({
      channelId: thread.id,
      authorId: discord.ids.memberUserId,
      source: 'member',
      content: '',
      attachments: [
        {
          id: '1300000000000000001',
          filename: 'cat.png',
          size: 1234,
          url: 'https://cdn.example/cat.png',
          proxy_url: 'https://cdn.example/cat.png',
        },
      ],
    });
    await waitForAnswer(discord, thread.id, { atLeast: 2 });
    // Round 2 reads attachments; this one is not on Discord's CDN, so the notice names it and the model gets nothing.
    expect(discord.botMessagesIn(thread.id).at(-1)!.current.content).toMatch(/“cat\.png” isn't stored on Discord/);
    expect(openai.chatRequests()).toHaveLength(1);
  });

  it('a message sent while an answer streams is answered next, in order; two threads stream at once', async () => {
    h = await start({
      openai: { answer: (b) => `Re: ${String(b.messages.at(-1)?.content)} ${'word '.repeat(30)}`, tokensPerSecond: 80 },
    });
    const { discord, openai } = h;
    const a = discord.sendMessage({ content: 'thread A', mentionsBot: true });
    const b = discord.sendMessage({ content: 'thread B', mentionsBot: true });
    const [ta, tb] = await Promise.all([
      discord.waitForThread({ fromMessageId: a.id }),
      discord.waitForThread({ fromMessageId: b.id }),
    ]);
    // Both threads have a request in flight before either answer is done.
    await discord.waitFor(() => openai.chatRequests().length === 2, 5_000);
    expect(
      discord.botMessagesIn(ta.id).every((m) => m.current.content.includes('▌')) &&
        discord.botMessagesIn(tb.id).every((m) => m.current.content.includes('▌')),
    ).toBe(true);
    // While A is still streaming, two more messages arrive in A.
    discord.sendMessage({ channelId: ta.id, content: 'second' });
    discord.sendMessage({ channelId: ta.id, content: 'third' });
    await waitForAnswer(discord, tb.id);
    await waitForAnswer(discord, ta.id, { atLeast: 3, timeoutMs: 20_000 });
    const answersA = discord.botMessagesIn(ta.id).map((m) => m.current.content.split(' ').slice(0, 2).join(' '));
    expect(answersA).toEqual(['Re: thread', 'Re: second', 'Re: third']);
    const requestsA = openai.chatRequests().filter((r) => transcript(r.body).some((l) => l === 'user: thread A'));
    expect(requestsA.map((r) => transcript(r.body).length)).toEqual([2, 4, 6]);
  });

  it('after a restart on the same database the thread continues with its history', async () => {
    h = await start();
    const { discord, openai } = h;
    const asked = discord.sendMessage({ content: 'my name is Ada', mentionsBot: true });
    const thread = await discord.waitForThread({ fromMessageId: asked.id });
    await waitForAnswer(discord, thread.id);
    await h.restart();
    discord.sendMessage({ channelId: thread.id, content: 'what is my name?' });
    await waitForAnswer(discord, thread.id, { atLeast: 2 });
    expect(transcript(openai.chatRequests().at(-1)!.body).slice(1)).toEqual([
      'user: my name is Ada',
      'assistant: You said: my name is Ada',
      'user: what is my name?',
    ]);
  });
});
