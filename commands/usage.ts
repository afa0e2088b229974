import { InteractionContextType, MessageFlags, SlashCommandBuilder, type ChatInputCommandInteraction } from 'discord.js';
import type { CommandContext } from '../src/discord/command.js';
import { canManageGuild } from '../src/discord/permissions.js';
import { lastDays, type UsageTotals } from '../src/store/types.js';
import { commandStrings, modelStrings } from '../src/strings.js';

const HISTORY_DAYS = 30;

export const data = new SlashCommandBuilder()
  .setName('usage')
  .setDescription('Your token usage and estimated cost (today and the last 30 days)')
  .setContexts(InteractionContextType.Guild);

const n = (value: number) => value.toLocaleString('en-US');
const usd = (value: number) => `$${value < 1 ? value.toFixed(4) : value.toFixed(2)}`;

export function formatUsage(label: string, totals: UsageTotals): string {
  const { promptTokens, completionTokens, requests, costUsd } = totals;
  const line = commandStrings.usageLine(label, n(promptTokens), n(completionTokens), n(requests), usd(costUsd));
  return line + modelStrings.usageDetail(n(totals.cachedTokens ?? 0), n(totals.reasoningTokens ?? 0));
}

export async function execute(interaction: ChatInputCommandInteraction, { store }: CommandContext): Promise<void> {
  await interaction.deferReply({ flags: MessageFlags.Ephemeral });
  const days = lastDays(Date.now(), HISTORY_DAYS);
  const guildId = interaction.guildId;
  const [today, month] = await Promise.all([
    store.getUserUsage(interaction.user.id, guildId, days.slice(0, 1)),
    store.getUserUsage(interaction.user.id, guildId, days),
  ]);
  const lines = [commandStrings.usageTitle, formatUsage(commandStrings.usageToday, today), formatUsage(commandStrings.usageDays(HISTORY_DAYS), month)];
  if (canManageGuild(interaction)) {
    const [guildToday, guildMonth] = await Promise.all([store.getGuildUsage(guildId, days.slice(0, 1)), store.getGuildUsage(guildId, days)]);
    lines.push('', commandStrings.usageServerTitle, formatUsage(commandStrings.usageToday, guildToday), formatUsage(commandStrings.usageDays(HISTORY_DAYS), guildMonth));
  }
  lines.push('', commandStrings.usageFootnote);
  await interaction.editReply({ content: lines.join('\n') });
}
