import type {
  AutocompleteInteraction,
  ButtonInteraction,
  ChatInputCommandInteraction,
  RESTPostAPIChatInputApplicationCommandsJSONBody,
} from 'discord.js';
import type { Config } from '../config/config.js';
import type { ConversationService } from '../conversation/conversationService.js';
import type { Logger } from '../log.js';
import type { Store } from '../store/types.js';

/** What command modules get besides the interaction: the bot's core, passed down instead of imported globally. */
export interface CommandContext {
  service: ConversationService;
  store: Store;
  config: Config;
  logger: Logger;
}

/** A command module as in the discord.js guide: `data` (a SlashCommandBuilder) and `execute`. */
export interface Command {
  data: { name: string; toJSON(): RESTPostAPIChatInputApplicationCommandsJSONBody };
  execute(interaction: ChatInputCommandInteraction, context: CommandContext): Promise<void>;
  /** Suggestions for an option being typed (autocomplete interactions). */
  autocomplete?(interaction: AutocompleteInteraction, context: CommandContext): Promise<void>;
}

/** Handles presses of buttons whose custom_id starts with `prefix` (e.g. Stop/Regenerate on an answer). */
export interface ButtonHandler {
  prefix: string;
  execute(interaction: ButtonInteraction, context: CommandContext): Promise<void>;
}

/** Commands by name, as the composition root hands them to registration and routing. */
export type CommandList = ReadonlyMap<string, Command>;
