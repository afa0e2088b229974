/** `/settings show` and change confirmations: every setting of a server as a line, with its default. */
import { effectiveGuildCap, effectiveMemberCap } from '../conversation/dailyCaps.js';
import { defaultModelFor, toolsAllowed, type SettingsDefaults } from '../conversation/guildSettings.js';
import type { GuildSettings } from '../store/types.js';
import { settingsStrings as s } from '../strings.js';

const code = (text: string) => `\`${text}\``;

/** A cap as people read it: a number of tokens, "no cap", or the operator's ceiling when that is what applies. */
export function capText(cap: number, operatorCap: number): string {
  if (cap <= 0) return s.noCap;
  return operatorCap > 0 && cap === operatorCap ? s.operatorCeiling(cap) : s.tokens(cap);
}

export const roleText = (roleId: string | undefined): string => (roleId ? s.roleMembers(roleId) : s.everyone);
export const forumsText = (ids: readonly string[] | undefined): string =>
  ids && ids.length > 0 ? ids.map((id) => `<#${id}>`).join(', ') : s.noForums;
export const toolsText = (enabled: boolean): string => (enabled ? s.allowed : s.off);

export function settingsLines(settings: GuildSettings, defaults: SettingsDefaults): string[] {
  const ceiling = defaults.operatorDailyTokens;
  const guildCap = effectiveGuildCap(ceiling, settings.dailyTokens);
  const memberCap = effectiveMemberCap(ceiling, settings.userDailyTokens);
  return [
    s.showTitle,
    s.showLine(s.label.model, code(defaultModelFor(settings, defaults)), code(defaults.defaultModel)),
    s.showLine(s.label.dailyTokens, capText(guildCap, ceiling), capText(effectiveGuildCap(ceiling, 0), ceiling)),
    s.showLine(s.label.userDailyTokens, capText(memberCap, ceiling), s.noCap),
    s.showLine(s.label.role, roleText(settings.roleId), s.everyone),
    s.showLine(s.label.forums, forumsText(settings.forumChannelIds), s.noForums),
    s.showLine(s.label.tools, toolsText(toolsAllowed(settings)), s.allowed),
    s.showLine(s.label.systemPrompt, settings.systemPrompt ? s.promptOwn : s.promptDefault, s.promptDefault),
  ];
}
