import { describe, expect, it } from 'vitest';
import { commands } from '../../commands/index.js';
import { registerCommands } from '../../src/discord/registerCommands.js';
import { lastDays } from '../../src/store/types.js';
import { commandStrings, dmStrings } from '../../src/strings.js';
import { harnessPerTest, transcript } from './harness.js';
import { waitForAnswer } from './waitForAnswer.js';

describe('direct messages (ALLOW_DMS)', () => {
  const start = harnessPerTest();

  it('on: a DM channel is one conversation with its history; usage counted outside any server', async () => {
    const h = await start({ env: { ALLOW_DMS: 'true' } });
    const { discord, openai } = h;
    const dmId = discord.dmChannelId();
    discord.sendDirectMessage({ content: 'my name is Alice' });
    const [first] = await waitForAnswer(discord, dmId);
    expect(first!.current.content).toBe('You said: my name is Alice');
    expect(first!.guildId).toBeNull();

    discord.sendDirectMessage({ content: 'what is my name?' });
    await waitForAnswer(discord, dmId, { atLeast: 2 });
    expect(transcript(openai.chatRequests().at(-1)!.body).slice(1)).toEqual([
      'user: my name is Alice',
      'assistant: You said: my name is Alice',
      'user: what is my name?',
    ]);
    // No thread was opened for it, and the usage is the user's DM usage.
    expect(discord.threads).toHaveLength(0);
    const usage = await h.bot.store.getUserUsage(discord.ids.memberUserId, null, lastDays(Date.now(), 1));
    expect(usage.requests).toBe(2);
  });

  it("with GUILD_DAILY_TOKENS each person's DMs stop at that many tokens a day, with a notice", async () => {
    const h = await start({ env: { ALLOW_DMS: 'true', GUILD_DAILY_TOKENS: '10' } });
    const { discord, openai } = h;
    const dmId = discord.dmChannelId();
    discord.sendDirectMessage({ content: 'hello' });
    await waitForAnswer(discord, dmId);
    // The first exchange used more than 10 tokens: the next DM is refused before the model is asked.
    discord.sendDirectMessage({ content: 'and again' });
    const [, refused] = await waitForAnswer(discord, dmId, { atLeast: 2 });
    expect(refused!.current.content).toMatch(
      /You have used your daily allowance of 10 tokens in direct messages\. It resets at midnight UTC \(in .+\)\./,
    );
    expect(openai.chatRequests()).toHaveLength(1);
    // Another person's DMs have an allowance of their own.
    const other = discord.addMember({ username: 'carol' });
    discord.sendDirectMessage({ content: 'hi there', authorId: other.id });
    const [answer] = await waitForAnswer(discord, discord.dmChannelId(other.id));
    expect(answer!.current.content).toBe('You said: hi there');
  });

  it('off (the default): one short notice, none for a second DM the same day, nothing sent to the model', async () => {
    const h = await start();
    const { discord, openai } = h;
    const dmId = discord.dmChannelId();
    discord.sendDirectMessage({ content: 'hello?' });
    const [notice] = await discord.waitForBotMessageIdle(dmId, { idleMs: 300 });
    expect(notice!.current.content).toBe(dmStrings.off);

    discord.sendDirectMessage({ content: 'hello again?' });
    // Another user is told too: their first DM of the day.
    const other = discord.addMember({ username: 'bob' });
    discord.sendDirectMessage({ content: 'hi', authorId: other.id });
    await discord.waitForBotMessageIdle(discord.dmChannelId(other.id), { idleMs: 300 });
    await discord.waitForBotMessageIdle(dmId, { idleMs: 300 });
    expect(discord.botMessagesIn(dmId)).toHaveLength(1);
    expect(openai.chatRequests()).toHaveLength(0);
  });

  it('/reset works in a DM when the commands are registered globally, and the next message starts afresh', async () => {
    const h = await start({ env: { ALLOW_DMS: 'true' } });
    const { discord, openai } = h;
    const { guildId: _guild, ...global } = h.config.discord;
    await registerCommands(global, commands);
    const dmId = discord.dmChannelId();
    discord.sendDirectMessage({ content: 'remember the number 7' });
    await waitForAnswer(discord, dmId);

    const reset = await discord.runSlashCommand({ name: 'reset', channelId: dmId }).settled();
    expect(reset.ephemeral).toBe(false);
    expect(reset.originalContent).toBe(dmStrings.resetDone);
    discord.sendDirectMessage({ content: 'which number?' });
    await waitForAnswer(discord, dmId, { atLeast: 3 });
    expect(transcript(openai.chatRequests().at(-1)!.body).slice(1)).toEqual(['user: which number?']);

    // In a server channel that is no conversation it still says where it works.
    const outside = await discord.runSlashCommand({ name: 'reset' }).settled();
    expect(outside.originalContent).toBe(commandStrings.resetOnlyInThread);
  });
});
