import { MessageFlags, type Interaction, type RepliableInteraction } from 'discord.js';
import { commandStrings } from '../../strings.js';
import type { ButtonHandler, CommandContext, CommandList } from '../command.js';

export interface InteractionRoutes {
  commands: CommandList;
  buttons?: readonly ButtonHandler[];
}

/** Routes slash commands, autocomplete and button presses; a failure ends in a plain ephemeral notice. */
export function createInteractionHandler(routes: InteractionRoutes, context: CommandContext) {
  return async (interaction: Interaction): Promise<void> => {
    try {
      if (interaction.isChatInputCommand()) {
        await routes.commands.get(interaction.commandName)?.execute(interaction, context);
      } else if (interaction.isAutocomplete()) {
        await routes.commands.get(interaction.commandName)?.autocomplete?.(interaction, context);
      } else if (interaction.isButton()) {
        const handler = routes.buttons?.find((b) => interaction.customId.startsWith(b.prefix));
        await handler?.execute(interaction, context);
      }
    } catch (error) {
      const name = interaction.isCommand() || interaction.isAutocomplete() ? interaction.commandName : interaction.type;
      context.logger.error({ err: error, interaction: name }, 'interaction failed');
      if (interaction.isRepliable()) await failNotice(interaction);
    }
  };
}

async function failNotice(interaction: RepliableInteraction): Promise<void> {
  const notice = { content: commandStrings.failed, flags: MessageFlags.Ephemeral } as const;
  const reply = interaction.replied || interaction.deferred ? interaction.followUp(notice) : interaction.reply(notice);
  await reply.catch(() => undefined);
}
