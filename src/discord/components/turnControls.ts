/**
 * Presses of an answer's buttons (SPEC: controls on an answer). Every press is answered within Discord's 3 s:
 * an accepted one with a deferred update (the renderer's own edits then change the message), a refused or stale one
 * with a short ephemeral sentence. Regenerate then runs in the thread's turn queue like any turn.
 */
import { MessageFlags, PermissionFlagsBits, type ButtonInteraction } from 'discord.js';
import { CONTROL_PREFIX, parseControlId } from '../../conversation/controlIds.js';
import { controlStrings } from '../../strings.js';
import type { ButtonHandler, CommandContext } from '../command.js';
import { threadSink } from '../threadSink.js';

const notice = (interaction: ButtonInteraction, content: string) =>
  interaction.reply({ content, flags: MessageFlags.Ephemeral, allowedMentions: { parse: [] } }).then(() => undefined);

export const turnControls: ButtonHandler = {
  prefix: CONTROL_PREFIX,
  async execute(interaction, context) {
    const target = parseControlId(interaction.customId);
    if (!target) return notice(interaction, controlStrings.unknownControl);
    const presser = {
      userId: interaction.user.id,
      canManage: interaction.memberPermissions?.has(PermissionFlagsBits.ManageMessages) ?? false,
    };
    if (target.kind === 'stop') {
      const result = context.service.stop(target.threadId, target.startedAt, presser);
      if (result === 'stopped') return interaction.deferUpdate().then(() => undefined);
      return notice(
        interaction,
        result === 'forbidden' ? controlStrings.onlyAskerStops : controlStrings.alreadyFinished,
      );
    }
    const press = { threadId: target.threadId, messageId: interaction.message.id, presser };
    const check = await context.service.checkRegenerate(press);
    if (!check.ok) {
      return notice(
        interaction,
        check.reason === 'forbidden' ? controlStrings.onlyAskerRegenerates : controlStrings.notLatest,
      );
    }
    await interaction.deferUpdate();
    await regenerateIn(interaction, press, context);
  },
};

async function regenerateIn(
  interaction: ButtonInteraction,
  press: Parameters<CommandContext['service']['regenerate']>[0],
  { service, logger }: CommandContext,
): Promise<void> {
  const channel = interaction.channel ?? (await interaction.client.channels.fetch(press.threadId));
  if (!channel?.isSendable()) return;
  // Not awaited: the answer streams for a while; the press is already answered.
  void service
    .regenerate(press, threadSink(channel))
    .catch((error: unknown) => logger.error({ err: error, thread: press.threadId }, 'regenerate failed'));
}
