import { describe, expect, it } from 'vitest';
import { allowedModels, ConfigError, loadConfig } from '../../../src/config/config.js';
import {
  defaultModelFor,
  isForumEnabled,
  toolsAllowed,
  withForum,
  withSetting,
} from '../../../src/conversation/guildSettings.js';

const defaults = { models: ['gpt-4o-mini', 'gpt-4o'], defaultModel: 'gpt-4o-mini' };

describe('guild settings read helpers', () => {
  it("uses the server's model only while the operator still offers it", () => {
    expect(defaultModelFor({}, defaults)).toBe('gpt-4o-mini');
    expect(defaultModelFor({ defaultModel: 'gpt-4o' }, defaults)).toBe('gpt-4o');
    expect(defaultModelFor({ defaultModel: 'gpt-3.5-turbo' }, defaults)).toBe('gpt-4o-mini');
  });

  it('forums are answered only once enabled, and can be turned off again', () => {
    const on = withForum(withForum({}, 'f1', true), 'f2', true);
    expect([isForumEnabled(on, 'f1'), isForumEnabled(on, 'f2'), isForumEnabled(on, 'f3')]).toEqual([true, true, false]);
    expect(withForum(withForum(on, 'f1', true), 'f1', true).forumChannelIds).toEqual(['f2', 'f1']);
    const off = withForum(withForum(on, 'f1', false), 'f2', false);
    expect(off).toEqual({});
  });

  it('tools are allowed unless a server turned them off', () => {
    expect(toolsAllowed({})).toBe(true);
    expect(toolsAllowed({ toolsEnabled: false })).toBe(false);
    expect(withSetting({ toolsEnabled: false, roleId: 'r' }, 'toolsEnabled', undefined)).toEqual({ roleId: 'r' });
  });
});

describe('OPENAI_MODELS', () => {
  const required = { DISCORD_TOKEN: 'discord-secret-token', OPENAI_API_KEY: 'sk-secret-key' };

  it('defaults to OPENAI_MODEL alone and reads a comma list without blanks or repeats', () => {
    expect(allowedModels(loadConfig(required).openai)).toEqual(['gpt-4o-mini']);
    const listed = loadConfig({ ...required, OPENAI_MODEL: 'b', OPENAI_MODELS: ' a, b ,,a ,c' });
    expect(allowedModels(listed.openai)).toEqual(['a', 'b', 'c']);
  });

  it('refuses a list that leaves out the default model, with one clear line', () => {
    const attempt = () => loadConfig({ ...required, OPENAI_MODEL: 'gpt-4o-mini', OPENAI_MODELS: 'gpt-4o' });
    expect(attempt).toThrow(ConfigError);
    expect(() => attempt()).toThrow(/OPENAI_MODEL: must be one of OPENAI_MODELS/);
  });
});
