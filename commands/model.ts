import {
  InteractionContextType,
  MessageFlags,
  SlashCommandBuilder,
  type AutocompleteInteraction,
  type ChatInputCommandInteraction,
} from 'discord.js';
import type { CommandContext } from '../src/discord/command.js';
import { respondWithModels } from '../src/discord/modelChoices.js';
import { canManageGuild } from '../src/discord/permissions.js';
import { createModelCatalog } from '../src/llm/modelCatalog.js';
import { modelStrings } from '../src/strings.js';

export const data = new SlashCommandBuilder()
  .setName('model')
  .setDescription("Show or switch this thread's model")
  .setContexts(InteractionContextType.Guild)
  .addStringOption((option) =>
    option
      .setName('name')
      .setDescription('The model to use from the next message')
      .setAutocomplete(true)
      .setMaxLength(100),
  );

export async function execute(
  interaction: ChatInputCommandInteraction,
  { store, config }: CommandContext,
): Promise<void> {
  const ephemeral = { flags: MessageFlags.Ephemeral } as const;
  const meta = interaction.channel?.isThread() ? await store.getThread(interaction.channelId) : undefined;
  if (!meta) {
    await interaction.reply({ content: modelStrings.onlyInThread, ...ephemeral });
    return;
  }
  const catalog = createModelCatalog(config.openai);
  const guildDefault = meta.guildId ? (await store.getGuildSettings(meta.guildId)).defaultModel : undefined;
  const name = interaction.options.getString('name')?.trim();
  if (!name) {
    await interaction.reply({
      content: modelStrings.current(catalog.inForce(meta.model, guildDefault), catalog.allowed),
      ...ephemeral,
    });
    return;
  }
  if (interaction.user.id !== meta.creatorId && !canManageGuild(interaction)) {
    await interaction.reply({ content: modelStrings.notAllowed, ...ephemeral });
    return;
  }
  if (!catalog.isAllowed(name)) {
    await interaction.reply({ content: modelStrings.unknown(name, catalog.allowed), ...ephemeral });
    return;
  }
  await store.setThreadModel(meta.threadId, name);
  // Public: everyone in the thread should know which model answers from now on.
  await interaction.reply({ content: modelStrings.switched(name) });
}

export const autocomplete = (interaction: AutocompleteInteraction, { config }: CommandContext) =>
  respondWithModels(interaction, config.openai.models);
