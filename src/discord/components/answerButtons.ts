/** The answer's buttons as Discord components: one action row, Stop (red) or Regenerate (grey). */
import { ActionRowBuilder, ButtonBuilder, ButtonStyle } from 'discord.js';
import type { AnswerControl } from '../../render/messageSink.js';
import { controlStrings } from '../../strings.js';

export function controlRows(controls: readonly AnswerControl[]): ActionRowBuilder<ButtonBuilder>[] {
  if (controls.length === 0) return [];
  const buttons = controls.map((control) =>
    new ButtonBuilder()
      .setCustomId(control.customId)
      .setLabel(control.kind === 'stop' ? controlStrings.stopLabel : controlStrings.regenerateLabel)
      .setStyle(control.kind === 'stop' ? ButtonStyle.Danger : ButtonStyle.Secondary),
  );
  return [new ActionRowBuilder<ButtonBuilder>().addComponents(buttons)];
}

/** `components` for a write: absent leaves the message's buttons as they are, `[]` removes them. */
export const componentsFor = (controls: readonly AnswerControl[] | undefined) =>
  controls === undefined ? {} : { components: controlRows(controls) };
