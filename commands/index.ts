import type { Command } from '../src/discord/command.js';
import * as chat from './chat.js';
import * as model from './model.js';
import * as reset from './reset.js';
import * as settings from './settings.js';
import * as systemPrompt from './system-prompt.js';
import * as usage from './usage.js';

/** Every slash command of the bot, by name. */
export const commands: ReadonlyMap<string, Command> = new Map(
  [chat, reset, usage, systemPrompt, model, settings].map((c) => [c.data.name, c]),
);
