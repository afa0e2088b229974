import { describe, expect, it } from 'vitest';
import { harnessPerTest, transcript, type Harness } from './harness.js';
import { waitForAnswer } from './waitForAnswer.js';

describe('slash commands end to end', () => {
  let h: Harness;
  const start = harnessPerTest();

  /** Start a conversation by mention and wait for its first answer; returns the thread id. */
  async function conversation(text: string): Promise<string> {
    const asked = h.discord.sendMessage({ content: text, mentionsBot: true });
    const thread = await h.discord.waitForThread({ fromMessageId: asked.id });
    await waitForAnswer(h.discord, thread.id);
    return thread.id;
  }

  it('registers the commands of SPEC.md with Manage Server as the default permission of the admin command', async () => {
    h = await start();
    const registered = h.discord.commands.list(h.discord.ids.guildId);
    const byName = new Map(registered.map((c) => [c.name, c]));
    expect([...byName.keys()].sort()).toEqual(['chat', 'model', 'reset', 'settings', 'system-prompt', 'usage']);
    expect(byName.get('system-prompt')?.default_member_permissions).toBe('32');
    expect(byName.get('chat')?.options?.[0]).toMatchObject({ name: 'message', required: true });
  });

  it('/reset empties the next request history and the thread carries on', async () => {
    h = await start();
    const { discord, openai } = h;
    const threadId = await conversation('remember the number 42');
    const reset = discord.runSlashCommand({ name: 'reset', channelId: threadId });
    const outcome = await reset.settled();
    expect(outcome.ephemeral).toBe(false);
    expect(outcome.originalContent).toMatch(/History cleared/);
    discord.sendMessage({ channelId: threadId, content: 'which number?' });
    await waitForAnswer(discord, threadId, { atLeast: 2 });
    expect(transcript(openai.chatRequests().at(-1)!.body).slice(1)).toEqual(['user: which number?']);
    // Outside a conversation thread it explains itself privately.
    const elsewhere = await discord.runSlashCommand({ name: 'reset' }).settled();
    expect(elsewhere.ephemeral).toBe(true);
    expect(elsewhere.originalContent).toMatch(/inside a conversation thread/);
  });

  it('/system-prompt set by an admin changes the next request; by a member it is refused and changes nothing', async () => {
    h = await start();
    const { discord, openai } = h;
    const threadId = await conversation('hello');

    const refused = await discord
      .runSlashCommand({ name: 'system-prompt', subcommand: 'set', options: { prompt: 'Talk like a pirate.' } })
      .settled();
    expect(refused.ephemeral).toBe(true);
    expect(refused.originalContent).toMatch(/Manage Server/);

    const set = await discord
      .runSlashCommand({
        name: 'system-prompt',
        subcommand: 'set',
        options: { prompt: 'Talk like a pirate.' },
        asAdmin: true,
      })
      .settled();
    expect(set.ephemeral).toBe(true);
    expect(set.originalContent).toMatch(/updated/);

    const shown = await discord.runSlashCommand({ name: 'system-prompt', subcommand: 'show', asAdmin: true }).settled();
    expect(shown.ephemeral).toBe(true);
    expect(shown.originalContent).toContain('Talk like a pirate.');

    discord.sendMessage({ channelId: threadId, content: 'ahoy?' });
    await waitForAnswer(discord, threadId, { atLeast: 2 });
    expect(transcript(openai.chatRequests().at(-1)!.body)[0]).toBe('system: Talk like a pirate.');

    await discord.runSlashCommand({ name: 'system-prompt', subcommand: 'clear', asAdmin: true }).settled();
    discord.sendMessage({ channelId: threadId, content: 'and now?' });
    await waitForAnswer(discord, threadId, { atLeast: 3 });
    expect(transcript(openai.chatRequests().at(-1)!.body)[0]).toBe(`system: ${h.config.defaultSystemPrompt}`);
  });

  it('/usage shows the tokens the fake OpenAI reported, privately; admins also see the server totals', async () => {
    h = await start();
    const { discord, openai } = h;
    await conversation('count my tokens');
    const request = openai.chatRequests()[0]!;
    const prompt = request.promptTokens;
    const mine = await discord.runSlashCommand({ name: 'usage' }).settled();
    expect(mine.ephemeral).toBe(true);
    expect(mine.originalContent).toContain(`Today (UTC): ${prompt.toLocaleString('en-US')} prompt + `);
    expect(mine.originalContent).toMatch(/\d+ completion tokens, 1 requests/);
    expect(mine.originalContent).not.toContain('This server');
    const admin = await discord.runSlashCommand({ name: 'usage', asAdmin: true }).settled();
    expect(admin.originalContent).toContain('This server');
    expect(admin.originalContent).toMatch(/This server\*\*\nToday \(UTC\): [\d,]+ prompt/);
  });

  it('/chat refuses over-long input privately, without opening a thread', async () => {
    h = await start({ env: { MAX_INPUT_CHARS: '50' } });
    const { discord, openai } = h;
    const outcome = await discord.runSlashCommand({ name: 'chat', options: { message: 'x'.repeat(60) } }).settled();
    expect(outcome.ephemeral).toBe(true);
    expect(outcome.originalContent).toMatch(/60 characters long; the limit is 50/);
    expect(discord.threads).toHaveLength(0);
    expect(openai.requests).toHaveLength(0);
  });
});
