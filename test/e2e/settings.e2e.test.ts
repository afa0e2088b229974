import { Writable } from 'node:stream';
import { ChannelType } from 'discord-api-types/v10';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import type { RunSlashCommandInput } from '../fakes/discord/index.js';
import { addForum, addRole } from './guildFixtures.js';
import { harnessPerTest, type Harness } from './harness.js';
import { waitForAnswer } from './waitForAnswer.js';

const lastModel = (openai: Harness['openai']) => (openai.chatRequests().at(-1)?.body as { model?: string }).model;

const MODELS = { OPENAI_MODEL: 'gpt-4o-mini', OPENAI_MODELS: 'gpt-4o-mini,gpt-4o,gpt-4.1-mini' };

describe('/settings end to end', () => {
  let h: Harness;
  const start = harnessPerTest();

  const settings = async (subcommand: string, options: RunSlashCommandInput['options'] = {}, asAdmin = true) => {
    const outcome = await h.discord.runSlashCommand({ name: 'settings', subcommand, options, asAdmin }).settled();
    expect(outcome.ephemeral, `/settings ${subcommand} answers privately`).toBe(true);
    return outcome.originalContent;
  };

  it('is registered for Manage Server, with forum-only channels and model autocomplete', async () => {
    h = await start();
    const command = h.discord.commands.list(h.discord.ids.guildId).find((c) => c.name === 'settings');
    expect(command?.default_member_permissions).toBe('32');
    const subs = new Map((command?.options ?? []).map((o) => [o.name, o]));
    expect([...subs.keys()]).toEqual(['show', 'model', 'daily-tokens', 'user-daily-tokens', 'role', 'forum', 'tools']);
    const forum = subs.get('forum') as { options?: Array<{ name: string; channel_types?: number[] }> };
    expect(forum.options?.find((o) => o.name === 'channel')?.channel_types).toEqual([ChannelType.GuildForum]);
    const model = subs.get('model') as { options?: Array<{ name: string; autocomplete?: boolean }> };
    expect(model.options?.[0]).toMatchObject({ name: 'name', autocomplete: true });
  });

  it('show lists every setting with its default; changes show up there, are logged and survive a restart', async () => {
    const lines: string[] = [];
    const sink = new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) });
    h = await start({ env: { ...MODELS, GUILD_DAILY_TOKENS: '100000' }, logger: createLogger('info', sink) });
    const fresh = await settings('show');
    expect(fresh.split('\n')).toEqual([
      '**Settings of this server**',
      '• Default model: `gpt-4o-mini` (default: `gpt-4o-mini`)',
      "• Daily tokens for the server: the operator's 100,000 tokens (default: the operator's 100,000 tokens)",
      '• Daily tokens per member: no cap (default: no cap)',
      '• Who may use the bot: everyone (default: everyone)',
      '• Forums answered: none (default: none)',
      '• Tools: allowed (default: allowed)',
      "• System prompt: the operator's default (default: the operator's default)",
    ]);

    const roleId = await addRole(h, 'Helpers');
    const forumId = addForum(h.discord, 'questions');
    expect(await settings('model', { name: 'gpt-4o' })).toBe(
      'Default model is now `gpt-4o`. It applies from the next message.',
    );
    expect(await settings('daily-tokens', { amount: 50_000 })).toMatch(
      /Daily tokens for the server is now 50,000 tokens/,
    );
    expect(await settings('user-daily-tokens', { amount: 2_000 })).toMatch(
      /Daily tokens per member is now 2,000 tokens/,
    );
    expect(await settings('role', { role: roleId })).toContain(`members with <@&${roleId}>`);
    expect(await settings('forum', { channel: forumId, enabled: true })).toContain(`<#${forumId}>`);
    expect(await settings('tools', { enabled: false })).toMatch(/Tools is now off/);

    await h.restart();
    const after = await settings('show');
    expect(after).toContain('• Default model: `gpt-4o` (default: `gpt-4o-mini`)');
    expect(after).toContain("• Daily tokens for the server: 50,000 tokens (default: the operator's 100,000 tokens)");
    expect(after).toContain('• Daily tokens per member: 2,000 tokens (default: no cap)');
    expect(after).toContain(`• Who may use the bot: members with <@&${roleId}> (default: everyone)`);
    expect(after).toContain(`• Forums answered: <#${forumId}> (default: none)`);
    expect(after).toContain('• Tools: off (default: allowed)');
    // Mentions in the answer are shown, never pinged.
    expect(h.discord.pings).toEqual([]);

    const changes = lines
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => l.msg === 'guild setting changed');
    expect(changes.map((c) => [c.setting, c.from, c.to])).toEqual([
      ['defaultModel', undefined, 'gpt-4o'],
      ['dailyTokens', undefined, 50_000],
      ['userDailyTokens', undefined, 2_000],
      ['roleId', undefined, roleId],
      ['forumChannelIds', undefined, [forumId]],
      ['toolsEnabled', undefined, false],
    ]);
    expect(changes.every((c) => c.user === h.discord.ids.adminUserId && c.guild === h.discord.ids.guildId)).toBe(true);
  });

  it('the model applies from the next turn; names outside OPENAI_MODELS are refused; autocomplete offers them', async () => {
    h = await start({ env: MODELS });
    const { discord, openai } = h;
    const asked = discord.sendMessage({ content: 'first', mentionsBot: true });
    const thread = await discord.waitForThread({ fromMessageId: asked.id });
    await waitForAnswer(discord, thread.id);
    expect(lastModel(openai)).toBe('gpt-4o-mini');

    expect(await settings('model', { name: 'gpt-3.5-turbo' })).toBe(
      "“gpt-3.5-turbo” isn't one of the models this bot offers. " +
        'Pick one of: `gpt-4o-mini`, `gpt-4o`, `gpt-4.1-mini`.',
    );
    await settings('model', { name: 'gpt-4.1-mini' });
    discord.sendMessage({ channelId: thread.id, content: 'second' });
    await waitForAnswer(discord, thread.id, { atLeast: 2 });
    expect(lastModel(openai)).toBe('gpt-4.1-mini');

    const typed = discord.runSlashCommand({
      name: 'settings',
      subcommand: 'model',
      options: { name: '4o' },
      focused: 'name',
      asAdmin: true,
    });
    expect(await typed.waitForChoices()).toEqual([
      { name: 'gpt-4o-mini', value: 'gpt-4o-mini' },
      { name: 'gpt-4o', value: 'gpt-4o' },
    ]);
  });

  it('validates amounts against the operator ceiling and forums by their type, in plain language', async () => {
    h = await start({ env: { GUILD_DAILY_TOKENS: '100000' } });
    expect(await settings('daily-tokens', { amount: 100_001 })).toBe(
      "The bot's operator allows at most 100,000 tokens a day per server, so the amount must be between 0 and that.",
    );
    expect(await settings('user-daily-tokens', { amount: 250_000 })).toMatch(/at most 100,000 tokens/);
    // A forged interaction can carry a value Discord's min_value would have stopped.
    expect(await settings('daily-tokens', { amount: -5 })).toBe(
      'The amount must be a whole number of tokens, 0 or more (0 means no cap).',
    );
    // The option offers forums only; a forged interaction can still name a text channel.
    const text = h.discord.ids.otherTextChannelId;
    expect(await settings('forum', { channel: text, enabled: true })).toBe(
      `<#${text}> isn't a forum channel. Pick a forum.`,
    );
    expect(await settings('daily-tokens', { amount: 0 })).toMatch(/the operator's 100,000 tokens/);
    const shown = await settings('show');
    expect(shown).toContain("• Daily tokens for the server: the operator's 100,000 tokens");
    expect(shown).toContain('• Daily tokens per member: no cap');
    expect(shown).toContain('• Forums answered: none');
  });

  it('refuses members without Manage Server on every subcommand, even when Discord let it through', async () => {
    h = await start({ env: MODELS });
    const forumId = addForum(h.discord, 'questions');
    const attempts: Array<[string, RunSlashCommandInput['options']]> = [
      ['show', {}],
      ['model', { name: 'gpt-4o' }],
      ['daily-tokens', { amount: 10 }],
      ['user-daily-tokens', { amount: 10 }],
      ['role', { role: h.discord.ids.adminRoleId }],
      ['forum', { channel: forumId, enabled: true }],
      ['tools', { enabled: false }],
    ];
    for (const [sub, options] of attempts) {
      // The fake does not apply default_member_permissions: this is the forged / overridden case.
      expect(await settings(sub, options, false), sub).toBe('You need the **Manage Server** permission to do that.');
    }
    expect(await h.bot.store.getGuildSettings(h.discord.ids.guildId)).toEqual({});
  });
});
