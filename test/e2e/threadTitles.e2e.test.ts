import { describe, expect, it } from 'vitest';
import { lastDays } from '../../src/store/types.js';
import { captureLogs } from './captureLogs.js';
import { harnessPerTest } from './harness.js';
import { waitForAnswer } from './waitForAnswer.js';

const RENAME_ROUTE = 'PATCH /channels/{channel_id}';
const TITLES_ON = { THREAD_TITLES: 'true' };
/** Streamed requests are answers; the one non-streamed chat request is the title call. */
const answerOrTitle = (title: string) => (body: { stream?: boolean | null }) =>
  body.stream ? 'Use arr.sort((a, b) => a - b).' : title;

describe('thread titles after the first answer (THREAD_TITLES)', () => {
  const start = harnessPerTest();

  it('renames the thread it opened to the model title once, as plain text, and counts the call in usage', async () => {
    const h = await start({
      env: TITLES_ON,
      openai: { answer: answerOrTitle('Title: **Sorting numbers** in `TypeScript` <@123456789012345678>.') },
    });
    const { discord, openai } = h;
    const asked = discord.sendMessage({ content: 'how do I sort numbers in typescript?', mentionsBot: true });
    const thread = await discord.waitForThread({ fromMessageId: asked.id });
    expect(thread.name).toBe('how do I sort numbers in typescript?');
    await waitForAnswer(discord, thread.id);
    await discord.waitFor(
      () => discord.threads.find((t) => t.id === thread.id)?.name === 'Sorting numbers in TypeScript',
      5_000,
    );

    const [answer, title] = openai.chatRequests();
    expect(answer!.stream).toBe(true);
    expect(title!.stream).toBe(false);
    expect(title!.completionCap).toBeLessThanOrEqual(40);
    const titlePrompt = JSON.stringify(title!.body);
    expect(titlePrompt).toContain('how do I sort numbers in typescript?');
    expect(titlePrompt).toContain('Use arr.sort((a, b) => a - b).');
    // Both calls count for the asker in this server.
    const usage = await h.bot.store.getUserUsage(
      discord.ids.memberUserId,
      discord.ids.guildId,
      lastDays(Date.now(), 1),
    );
    expect(usage.requests).toBe(2);
    expect(usage.promptTokens).toBe(answer!.promptTokens + title!.promptTokens);

    // A second answer does not rename again.
    discord.sendMessage({ channelId: thread.id, content: 'and descending?' });
    await waitForAnswer(discord, thread.id, { atLeast: 2 });
    expect(openai.chatRequests().filter((r) => !r.stream)).toHaveLength(1);
    expect(discord.requestsTo(RENAME_ROUTE)).toHaveLength(1);
  });

  it('/chat threads get a title too, trimmed to 60 characters at a word', async () => {
    const long = 'A very long title about sorting arrays of numbers and strings in TypeScript and JavaScript';
    const h = await start({ env: TITLES_ON, openai: { answer: answerOrTitle(long) } });
    const { discord } = h;
    await discord.runSlashCommand({ name: 'chat', options: { message: 'sorting?' } }).settled({ idleMs: 200 });
    const thread = await discord.waitForThread({ parentId: discord.ids.textChannelId });
    const renamed = await discord.waitFor(() => {
      const name = discord.threads.find((t) => t.id === thread.id)?.name;
      return name !== 'sorting?' ? name : undefined;
    }, 5_000);
    expect(renamed).toBe('A very long title about sorting arrays of numbers and');
    expect(renamed.length).toBeLessThanOrEqual(60);
  });

  it('keeps a name a member gave the thread while the title was being written', async () => {
    const { entries, logger } = captureLogs();
    const h = await start({
      env: TITLES_ON,
      logger,
      openai: {
        answer: (body) => {
          if (body.stream) return 'An answer.';
          // The member renames the thread while the title call is still being answered.
          h.discord.renameThreadAsMember(h.discord.threads[0]!.id, 'Our own name');
          return 'Model title';
        },
      },
    });
    const { discord } = h;
    const asked = discord.sendMessage({ content: 'name this', mentionsBot: true });
    const thread = await discord.waitForThread({ fromMessageId: asked.id });
    await waitForAnswer(discord, thread.id);
    const line = await discord.waitFor(() => entries.find((e) => e.msg === 'thread title'), 5_000);
    expect(line.result).toBe('renamed-meanwhile');
    expect(discord.threads.find((t) => t.id === thread.id)?.name).toBe('Our own name');
    expect(discord.requestsTo(RENAME_ROUTE)).toHaveLength(0);
  });

  it('THREAD_TITLES=false: no title call and no rename', async () => {
    const h = await start({ env: { THREAD_TITLES: 'false' }, openai: { answer: answerOrTitle('Never used') } });
    const { discord, openai } = h;
    const asked = discord.sendMessage({ content: 'no title please', mentionsBot: true });
    const thread = await discord.waitForThread({ fromMessageId: asked.id });
    await waitForAnswer(discord, thread.id);
    // A title would have been asked for right after the first answer, before this second one ends.
    discord.sendMessage({ channelId: thread.id, content: 'again' });
    await waitForAnswer(discord, thread.id, { atLeast: 2 });
    expect(openai.chatRequests().map((r) => r.stream)).toEqual([true, true]);
    expect(discord.requestsTo(RENAME_ROUTE)).toHaveLength(0);
    expect(discord.threads.find((t) => t.id === thread.id)?.name).toBe('no title please');
  });

  it('a failed title call leaves the name as it was and the next answer still comes', async () => {
    let failed = false;
    const h = await start({
      env: TITLES_ON,
      openai: {
        answer: (body) => {
          // Scripted while the first answer streams, so the title call (the next request) is the one that fails.
          if (body.stream && !failed) h.openai.fail({ kind: 'status', status: 400, message: 'no titles today' });
          failed = true;
          return body.stream ? 'An answer.' : 'unused';
        },
      },
    });
    const { discord, openai } = h;
    const asked = discord.sendMessage({ content: 'first question', mentionsBot: true });
    const thread = await discord.waitForThread({ fromMessageId: asked.id });
    await waitForAnswer(discord, thread.id);
    discord.sendMessage({ channelId: thread.id, content: 'second question' });
    await waitForAnswer(discord, thread.id, { atLeast: 2 });
    expect(openai.chatRequests().map((r) => [r.stream, r.status])).toEqual([
      [true, 200],
      [false, 400],
      [true, 200],
    ]);
    expect(discord.requestsTo(RENAME_ROUTE)).toHaveLength(0);
    expect(discord.threads.find((t) => t.id === thread.id)?.name).toBe('first question');
  });
});
