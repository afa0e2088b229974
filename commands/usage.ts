import {
  InteractionContextType,
  MessageFlags,
  SlashCommandBuilder,
  type ChatInputCommandInteraction,
} from 'discord.js';
import type { CommandContext } from '../src/discord/command.js';
import { canManageGuild } from '../src/discord/permissions.js';
import { NO_MENTIONS } from '../src/discord/threadSink.js';
import { lastDays, totalTokens, type MemberUsage, type UsageTotals } from '../src/store/types.js';
import { commandStrings, modelStrings, settingsStrings } from '../src/strings.js';

const HISTORY_DAYS = 30;
const TOP_MEMBERS = 5;

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

/** The server's top members by tokens, today and over the whole period. */
async function topMembers(store: CommandContext['store'], guildId: string, days: string[]): Promise<string[]> {
  const [today, month] = await Promise.all([
    store.getTopUsers(guildId, days.slice(0, 1), TOP_MEMBERS),
    store.getTopUsers(guildId, days, TOP_MEMBERS),
  ]);
  const section = (label: string, top: MemberUsage[]) => [
    '',
    settingsStrings.topTitle(label),
    ...(top.length === 0
      ? [settingsStrings.topNone]
      : top.map((m, i) => settingsStrings.topLine(i + 1, m.userId, n(totalTokens(m.totals)), usd(m.totals.costUsd)))),
  ];
  return [...section(commandStrings.usageToday, today), ...section(commandStrings.usageDays(HISTORY_DAYS), month)];
}

export async function execute(interaction: ChatInputCommandInteraction, { store }: CommandContext): Promise<void> {
  await interaction.deferReply({ flags: MessageFlags.Ephemeral });
  const days = lastDays(Date.now(), HISTORY_DAYS);
  const guildId = interaction.guildId;
  const [today, month] = await Promise.all([
    store.getUserUsage(interaction.user.id, guildId, days.slice(0, 1)),
    store.getUserUsage(interaction.user.id, guildId, days),
  ]);
  const lines = [
    commandStrings.usageTitle,
    formatUsage(commandStrings.usageToday, today),
    formatUsage(commandStrings.usageDays(HISTORY_DAYS), month),
  ];
  if (canManageGuild(interaction)) {
    const [guildToday, guildMonth] = await Promise.all([
      store.getGuildUsage(guildId, days.slice(0, 1)),
      store.getGuildUsage(guildId, days),
    ]);
    lines.push(
      '',
      commandStrings.usageServerTitle,
      formatUsage(commandStrings.usageToday, guildToday),
      formatUsage(commandStrings.usageDays(HISTORY_DAYS), guildMonth),
    );
    if (guildId) lines.push(...(await topMembers(store, guildId, days)));
  }
  lines.push('', commandStrings.usageFootnote);
  // Members are shown as mentions, which must never ping them (the client's default, restated for this reply).
  await interaction.editReply({ content: lines.join('\n'), allowedMentions: NO_MENTIONS });
}
