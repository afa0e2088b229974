import type { AutocompleteInteraction } from 'discord.js';

/** Discord shows at most 25 autocomplete choices. */
const MAX_CHOICES = 25;

/** Suggest the allowed models (OPENAI_MODELS) that contain what is being typed (`/model`, `/settings model`). */
export async function respondWithModels(interaction: AutocompleteInteraction, models: readonly string[]) {
  const typed = interaction.options.getFocused().toLowerCase();
  const matching = models.filter((model) => model.toLowerCase().includes(typed)).slice(0, MAX_CHOICES);
  await interaction.respond(matching.map((model) => ({ name: model, value: model })));
}
