import { describe, expect, it } from 'vitest';
import { harnessPerTest, type Harness } from './harness.js';
import { waitForAnswer } from './waitForAnswer.js';

const MODELS = { OPENAI_MODELS: 'gpt-4o-mini,gpt-4o,o4-mini' };

describe('/model end to end', () => {
  let h: Harness;
  const start = harnessPerTest();

  async function conversation(text: string): Promise<string> {
    const asked = h.discord.sendMessage({ content: text, mentionsBot: true });
    const thread = await h.discord.waitForThread({ fromMessageId: asked.id });
    await waitForAnswer(h.discord, thread.id);
    return thread.id;
  }

  it('shows the model privately, switches it for the creator from the next turn, and the choice survives a restart', async () => {
    h = await start({ env: MODELS });
    const { discord, openai } = h;
    const threadId = await conversation('hello');
    const shown = await discord.runSlashCommand({ name: 'model', channelId: threadId }).settled();
    expect(shown.ephemeral).toBe(true);
    expect(shown.originalContent).toMatch(/This thread uses \*\*gpt-4o-mini\*\*/);

    const switched = await discord
      .runSlashCommand({ name: 'model', channelId: threadId, options: { name: 'o4-mini' } })
      .settled();
    expect(switched.originalContent).toMatch(/now uses \*\*o4-mini\*\*/);
    discord.sendMessage({ channelId: threadId, content: 'and now?' });
    await waitForAnswer(discord, threadId, { atLeast: 2 });
    expect(openai.chatRequests().map((r) => r.model)).toEqual(['gpt-4o-mini', 'o4-mini']);

    await h.restart();
    discord.sendMessage({ channelId: threadId, content: 'after the restart?' });
    await waitForAnswer(discord, threadId, { atLeast: 3 });
    expect(openai.chatRequests().at(-1)?.model).toBe('o4-mini');
    const after = await discord.runSlashCommand({ name: 'model', channelId: threadId }).settled();
    expect(after.originalContent).toMatch(/\*\*o4-mini\*\*/);
  });

  it('refuses other members and unknown names plainly; a Manage Server member may switch', async () => {
    h = await start({ env: MODELS });
    const { discord, openai } = h;
    const threadId = await conversation('hello');
    const other = discord.addMember({ username: 'someone-else' });
    const refused = await discord
      .runSlashCommand({ name: 'model', channelId: threadId, userId: other.id, options: { name: 'gpt-4o' } })
      .settled();
    expect(refused.ephemeral).toBe(true);
    expect(refused.originalContent).toMatch(/Only the person who started this conversation/);
    const unknown = await discord
      .runSlashCommand({ name: 'model', channelId: threadId, options: { name: 'gpt-9-ultra' } })
      .settled();
    expect(unknown.ephemeral).toBe(true);
    expect(unknown.originalContent).toMatch(/`gpt-9-ultra` is not one of the models/);
    const admin = await discord
      .runSlashCommand({ name: 'model', channelId: threadId, asAdmin: true, options: { name: 'gpt-4o' } })
      .settled();
    expect(admin.originalContent).toMatch(/now uses \*\*gpt-4o\*\*/);
    discord.sendMessage({ channelId: threadId, content: 'next' });
    await waitForAnswer(discord, threadId, { atLeast: 2 });
    expect(openai.chatRequests().map((r) => r.model)).toEqual(['gpt-4o-mini', 'gpt-4o']);
    // Outside a conversation thread it explains itself.
    const elsewhere = await discord.runSlashCommand({ name: 'model' }).settled();
    expect(elsewhere.originalContent).toMatch(/inside a conversation thread/);
  });

  it('autocompletes the name from OPENAI_MODELS', async () => {
    h = await start({ env: MODELS });
    const { discord } = h;
    const threadId = await conversation('hello');
    const registered = discord.commands.list(discord.ids.guildId).find((c) => c.name === 'model');
    expect(registered?.options?.[0]).toMatchObject({ name: 'name', autocomplete: true, required: false });
    const typing = discord.runSlashCommand({
      name: 'model',
      channelId: threadId,
      options: { name: '4o' },
      focused: 'name',
    });
    expect((await typing.waitForChoices()).map((c) => c.value)).toEqual(['gpt-4o-mini', 'gpt-4o']);
  });
});
