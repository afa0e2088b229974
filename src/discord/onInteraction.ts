import { MessageFlags, type Interaction } from 'discord.js';
import type { Command, CommandContext } from './command.js';

const FAILED = 'Something went wrong with that command. Please try again.';

/** Dispatches slash commands to their modules; a failure ends in a plain ephemeral notice, never a stack trace. */
export function createInteractionHandler(commands: ReadonlyMap<string, Command>, context: CommandContext) {
  return async (interaction: Interaction): Promise<void> => {
    if (!interaction.isChatInputCommand()) return;
    const command = commands.get(interaction.commandName);
    if (!command) return;
    try {
      await command.execute(interaction, context);
    } catch (error) {
      context.logger.error({ err: error, command: interaction.commandName }, 'command failed');
      const notice = { content: FAILED, flags: MessageFlags.Ephemeral } as const;
      const reply = interaction.replied || interaction.deferred ? interaction.followUp(notice) : interaction.reply(notice);
      await reply.catch(() => undefined);
    }
  };
}
