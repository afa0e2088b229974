import { describe, expect, it } from 'vitest';
import { harnessPerTest, type Harness } from './harness.js';
import { waitForAnswer } from './waitForAnswer.js';

/** A forum the bot has seen created (CHANNEL_CREATE), so it is cached like a real one. */
async function forumKnownToBot(h: Harness, name: string, tags: readonly string[] = []) {
  const forum = h.discord.addForum(name, tags);
  await h.discord.waitFor(() => h.bot.client.channels.cache.has(forum.id), 5_000);
  return forum;
}

/** Let the bot route everything already dispatched: a mention in #general is answered after those messages. */
async function drain(h: Harness, marker: string): Promise<void> {
  const asked = h.discord.sendMessage({ content: marker, mentionsBot: true });
  const thread = await h.discord.waitForThread({ fromMessageId: asked.id });
  await waitForAnswer(h.discord, thread.id);
}

describe('forum posts (SPEC: forum channels)', () => {
  const start = harnessPerTest();

  it('in a forum enabled by /settings forum, each post is answered once in it, title + body first', async () => {
    const h = await start({ env: { THREAD_TITLES: 'true' } });
    const { discord, openai } = h;
    const forum = await forumKnownToBot(h, 'help', ['bug', 'question']);
    const enabled = await discord
      .runSlashCommand({
        name: 'settings',
        subcommand: 'forum',
        options: { channel: forum.id, enabled: true },
        asAdmin: true,
      })
      .settled();
    expect(enabled.originalContent).toContain(`<#${forum.id}>`);

    const log = await discord.uploadAttachment({
      filename: 'error.log',
      bytes: new TextEncoder().encode('EBADENGINE node 18\n'),
    });
    const bugTag = forum.availableTags![0]!.id;
    const post = discord.postInForum({
      forumId: forum.id,
      title: 'Build fails on Node 20',
      content: 'npm ci stops with the log below',
      appliedTags: [bugTag],
      attachments: [log],
    });
    const [answer] = await waitForAnswer(discord, post.threadId);
    expect(answer!.channelId).toBe(post.threadId);
    const first = JSON.stringify(openai.chatRequests()[0]!.body);
    expect(first).toContain('Build fails on Node 20\\n\\nnpm ci stops with the log below');
    expect(first).toContain('EBADENGINE node 18');
    expect(discord.cdnDownloads.filter((d) => d.path.includes(log.id))).toHaveLength(1);

    // The same starter delivered again (a RESUME replay) is not answered twice; a reply in the post continues it.
    discord.redeliverMessage(post.starter.id);
    discord.sendMessage({ channelId: post.threadId, content: 'it works on Node 22 though' });
    await waitForAnswer(discord, post.threadId, { atLeast: 2 });
    const streamed = openai.chatRequests().filter((r) => r.stream);
    expect(streamed).toHaveLength(2);
    expect(JSON.stringify(streamed[1]!.body)).toContain('Build fails on Node 20');
    expect(discord.botMessagesIn(post.threadId)).toHaveLength(2);
    // The post's title is its author's: no title call, no rename.
    expect(openai.chatRequests().filter((r) => !r.stream)).toHaveLength(0);
    expect(discord.threads.find((t) => t.id === post.threadId)?.name).toBe('Build fails on Node 20');

    // Every new post, not just the first.
    const second = discord.postInForum({
      forumId: forum.id,
      title: 'How do I pin a version?',
      content: 'in package.json',
    });
    await waitForAnswer(discord, second.threadId);
    expect(JSON.stringify(openai.chatRequests().at(-1)!.body)).toContain(
      'How do I pin a version?\\n\\nin package.json',
    );
  });

  it('in a forum nobody enabled, only a post that mentions the bot starts a conversation', async () => {
    const h = await start();
    const { discord, openai } = h;
    const forum = await forumKnownToBot(h, 'general-talk');
    const quiet = discord.postInForum({ forumId: forum.id, title: 'Weekend plans', content: 'anyone hiking?' });
    const asked = discord.postInForum({
      forumId: forum.id,
      title: 'Regex help',
      content: 'match a date please',
      mentionsBot: true,
    });
    await waitForAnswer(discord, asked.threadId);
    expect(JSON.stringify(openai.chatRequests()[0]!.body)).toContain('Regex help\\n\\nmatch a date please');
    await drain(h, 'anything else?');
    expect(discord.botMessagesIn(quiet.threadId)).toHaveLength(0);
    expect(openai.chatRequests()).toHaveLength(2);
  });
});
