/**
 * The role gate on Discord objects (`/settings role`): reads the member's roles and Manage Server permission,
 * and leaves the decision and the notice rate to conversation/roleGate.ts.
 */
import {
  PermissionFlagsBits,
  type APIInteractionGuildMember,
  type ChatInputCommandInteraction,
  type GuildMember,
  type Message,
} from 'discord.js';
import { mayUseBot, RefusalNotices, type MemberFacts } from '../conversation/roleGate.js';
import type { SettingsStore } from '../store/types.js';
import { settingsStrings } from '../strings.js';

export type GateStore = Pick<SettingsStore, 'getGuildSettings'>;

/** A refused member and what to tell them: `notice` is undefined when they were told within the hour. */
export interface GateRefusal {
  notice: string | undefined;
}

function rolesOf(member: GuildMember | APIInteractionGuildMember | null): string[] {
  if (!member) return [];
  // Interactions from servers the client has not cached carry the raw member with role ids.
  return Array.isArray(member.roles) ? [...member.roles] : [...member.roles.cache.keys()];
}

async function requiredRole(store: GateStore, guildId: string | null): Promise<string | undefined> {
  return guildId === null ? undefined : (await store.getGuildSettings(guildId)).roleId;
}

/** For `/chat` and other commands: the ephemeral notice when the member may not use the bot, else undefined. */
export async function commandGateNotice(
  store: GateStore,
  interaction: ChatInputCommandInteraction,
): Promise<string | undefined> {
  const roleId = await requiredRole(store, interaction.guildId);
  const facts: MemberFacts = {
    guildId: interaction.guildId,
    roleIds: rolesOf(interaction.member),
    canManageGuild: interaction.memberPermissions?.has(PermissionFlagsBits.ManageGuild) ?? false,
  };
  return roleId === undefined || mayUseBot(roleId, facts) ? undefined : settingsStrings.roleRequired(roleId);
}

/** For messages: refuses members without the role, telling each at most once an hour per server. */
export class MessageGate {
  constructor(
    private readonly store: GateStore,
    private readonly notices = new RefusalNotices(),
    private readonly now: () => number = Date.now,
  ) {}

  /** Undefined when the author may use the bot here. */
  async check(message: Message): Promise<GateRefusal | undefined> {
    const guildId = message.guildId;
    const roleId = await requiredRole(this.store, guildId);
    if (roleId === undefined || guildId === null) return undefined;
    const member = message.member;
    const facts: MemberFacts = {
      guildId,
      roleIds: rolesOf(member),
      canManageGuild: member?.permissions.has(PermissionFlagsBits.ManageGuild) ?? false,
    };
    if (mayUseBot(roleId, facts)) return undefined;
    const tell = this.notices.shouldTell(guildId, message.author.id, this.now());
    return { notice: tell ? settingsStrings.roleRequired(roleId) : undefined };
  }
}
