import { describe, expect, it } from 'vitest';
import { addRole, giveRole } from './guildFixtures.js';
import { harnessPerTest, type Harness } from './harness.js';
import { waitForAnswer } from './waitForAnswer.js';

describe('server admin controls end to end: caps, role gate, admin /usage', () => {
  let h: Harness;
  const start = harnessPerTest();

  const admin = async (subcommand: string, options: Record<string, string | number | boolean>) =>
    (await h.discord.runSlashCommand({ name: 'settings', subcommand, options, asAdmin: true }).settled())
      .originalContent;

  /** A member mentions the bot in #general; resolves with the new thread once it is answered. */
  async function converse(authorId: string, content: string): Promise<string> {
    const asked = h.discord.sendMessage({ content, mentionsBot: true, authorId });
    const thread = await h.discord.waitForThread({ fromMessageId: asked.id });
    await waitForAnswer(h.discord, thread.id);
    return thread.id;
  }

  it("a member's daily cap refuses their next turn before any model call; others carry on", async () => {
    h = await start();
    const { discord, openai, ids } = { ...h, ids: h.discord.ids };
    expect(await admin('user-daily-tokens', { amount: 20 })).toMatch(/20 tokens/);
    const threadId = await converse(ids.memberUserId, 'hello there');
    expect(openai.chatRequests()).toHaveLength(1);

    discord.sendMessage({ channelId: threadId, content: 'and again' });
    const [, refusal] = await waitForAnswer(discord, threadId, { atLeast: 2 });
    expect(refusal!.current.content).toMatch(
      /You have used your daily allowance of 20 tokens in this server\. It resets at midnight UTC \(in [\dhmins ]+\)\./,
    );
    expect(openai.chatRequests()).toHaveLength(1);

    // The cap is per member: someone else in the same thread is still answered.
    discord.sendMessage({ channelId: threadId, content: 'my turn', authorId: ids.adminUserId });
    await waitForAnswer(discord, threadId, { atLeast: 3 });
    expect(openai.chatRequests()).toHaveLength(2);
  });

  it("the server's cap from /settings applies to everyone and can't exceed the operator's ceiling", async () => {
    h = await start({ env: { GUILD_DAILY_TOKENS: '100000' } });
    const { discord, openai } = h;
    expect(await admin('daily-tokens', { amount: 100_001 })).toMatch(/at most 100,000 tokens/);
    expect(await admin('daily-tokens', { amount: 20 })).toMatch(/20 tokens/);
    const threadId = await converse(discord.ids.memberUserId, 'hello there');
    discord.sendMessage({ channelId: threadId, content: 'another', authorId: discord.ids.adminUserId });
    const [, refusal] = await waitForAnswer(discord, threadId, { atLeast: 2 });
    expect(refusal!.current.content).toMatch(
      /This server has used its daily allowance of 20 tokens\. It resets at midnight UTC/,
    );
    expect(openai.chatRequests()).toHaveLength(1);
    // /chat is refused the same way, before any model call.
    await discord.runSlashCommand({ name: 'chat', options: { message: 'from a command' } }).settled();
    const thread = await discord.waitForThread({ name: 'from a command' });
    const [notice] = await waitForAnswer(discord, thread.id);
    expect(notice!.current.content).toMatch(/daily allowance of 20 tokens/);
    expect(openai.chatRequests()).toHaveLength(1);
  });

  it('the role gate refuses members without the role: a reply at most once an hour, ephemeral for /chat', async () => {
    h = await start();
    const { discord, openai, ids } = { ...h, ids: h.discord.ids };
    const roleId = await addRole(h, 'Helpers');
    await admin('role', { role: roleId });
    const general = ids.textChannelId;
    const publicReplies = () => discord.botMessagesIn(general, { includeEphemeral: false });

    const first = discord.sendMessage({ content: 'may I?', mentionsBot: true });
    const [reply] = await discord.waitFor(() => (publicReplies().length > 0 ? publicReplies() : undefined), 5_000);
    expect(reply!.current.content).toBe(
      `Sorry — in this server only members with the <@&${roleId}> role can use the bot. ` +
        'A server admin can give you the role.',
    );
    expect(reply!.current.message_reference?.message_id).toBe(first.id);
    discord.sendMessage({ content: 'please?', mentionsBot: true });
    // Messages of a channel are handled in order: once the admin's (later) mention is answered, the member's second
    // message has been handled too, and it got no second notice.
    const adminThread = await converse(ids.adminUserId, 'admins are never locked out');
    expect(publicReplies()).toHaveLength(1);
    // Not in an existing conversation thread either, and still no second notice within the hour.
    discord.sendMessage({ channelId: adminThread, content: 'joining in' });
    discord.sendMessage({ channelId: adminThread, content: 'follow-up', authorId: ids.adminUserId });
    await waitForAnswer(discord, adminThread, { atLeast: 2 });
    expect(discord.botMessagesIn(adminThread)).toHaveLength(2);
    expect(openai.chatRequests()).toHaveLength(2);

    for (let i = 0; i < 2; i++) {
      const chat = await discord.runSlashCommand({ name: 'chat', options: { message: 'let me in' } }).settled();
      expect(chat.ephemeral).toBe(true);
      expect(chat.originalContent).toContain(`<@&${roleId}>`);
    }
    expect(discord.threads).toHaveLength(1);
    expect(discord.pings).toEqual([]);

    giveRole(discord, ids.memberUserId, roleId);
    await converse(ids.memberUserId, 'now with the role');
    expect(openai.chatRequests()).toHaveLength(3);
  });

  it('/usage shows admins the top five members by tokens, as mentions that ping nobody', async () => {
    h = await start();
    const { discord } = h;
    const members = Array.from({ length: 6 }, (_, i) => discord.addMember({ username: `member${i + 1}` }));
    // Member k writes k times as much, so the ranking is members 6, 5, 4, 3, 2.
    for (const [i, m] of members.entries()) await converse(m.id, `question ${'word '.repeat((i + 1) * 15)}`);

    const view = await discord.runSlashCommand({ name: 'usage', asAdmin: true }).settled();
    expect(view.ephemeral).toBe(true);
    const content = view.originalContent;
    const ranked = (title: string) => {
      const after = content.split(`**Top members — ${title}**\n`)[1] ?? '';
      return after.split('\n\n')[0]!.split('\n');
    };
    const expectedIds = [6, 5, 4, 3, 2].map((k) => members[k - 1]!.id);
    for (const title of ['Today (UTC)', 'Last 30 days']) {
      const lines = ranked(title);
      expect(lines.map((l) => /<@(\d+)>/.exec(l)?.[1])).toEqual(expectedIds);
      expect(lines[0]).toMatch(/^1\. <@\d+>: [\d,]+ tokens, ≈ \$\d+\.\d+$/);
    }
    expect(content).toMatch(
      /\*\*This server\*\*\nToday \(UTC\): [\d,]+ prompt \+ [\d,]+ completion tokens, 6 requests, ≈ \$/,
    );
    // The reply was sent with allowed_mentions that parse nothing, and nobody was pinged.
    const edits = view.calls.filter((c) => c.kind === 'edit-original');
    expect(edits.at(-1)?.body).toMatchObject({ allowed_mentions: { parse: [] } });
    expect(discord.pings).toEqual([]);

    const mine = await discord.runSlashCommand({ name: 'usage', userId: members[0]!.id }).settled();
    expect(mine.originalContent).not.toContain('Top members');
  });
});
