import { PermissionFlagsBits, type ChatInputCommandInteraction } from 'discord.js';

/**
 * Admin commands carry default_member_permissions, but a server can override that and an interaction can be forged:
 * the member's resolved permissions in this interaction are checked again before acting.
 */
export const canManageGuild = (interaction: ChatInputCommandInteraction): boolean =>
  interaction.inGuild() && (interaction.memberPermissions?.has(PermissionFlagsBits.ManageGuild) ?? false);
