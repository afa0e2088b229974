/**
 * Who may use the bot in a server (`/settings role`), decided from plain facts about the member, and how often a
 * refused member is told so: at most once per hour per member and server, so a channel is not filled with notices.
 */

export const GATE_NOTICE_INTERVAL_MS = 3_600_000;
/** Members remembered at most; beyond it the oldest notices are forgotten (they may be told once more). */
const MAX_REMEMBERED = 10_000;

export interface MemberFacts {
  guildId: string | null;
  roleIds: readonly string[];
  /** Manage Server holders are never locked out of the bot they configure. */
  canManageGuild: boolean;
}

/** Whether the member may use the bot, given the role the server requires (unset = everyone). */
export function mayUseBot(requiredRoleId: string | undefined, member: MemberFacts): boolean {
  if (member.guildId === null || requiredRoleId === undefined) return true;
  return member.canManageGuild || member.roleIds.includes(requiredRoleId);
}

/** Remembers when each refused member was last told, to tell each at most once per interval. */
export class RefusalNotices {
  private readonly lastTold = new Map<string, number>();

  constructor(
    private readonly intervalMs = GATE_NOTICE_INTERVAL_MS,
    private readonly maxRemembered = MAX_REMEMBERED,
  ) {}

  /** True when this refusal should be told; records it as told. */
  shouldTell(guildId: string, userId: string, now: number): boolean {
    const key = `${guildId}:${userId}`;
    const last = this.lastTold.get(key);
    if (last !== undefined && now - last < this.intervalMs) return false;
    // Re-inserted so the map stays in telling order and the oldest entries are the first ones.
    this.lastTold.delete(key);
    this.lastTold.set(key, now);
    this.forgetOld(now);
    return true;
  }

  get remembered(): number {
    return this.lastTold.size;
  }

  private forgetOld(now: number): void {
    for (const [key, at] of this.lastTold) {
      if (this.lastTold.size <= this.maxRemembered && now - at < this.intervalMs) return;
      this.lastTold.delete(key);
    }
  }
}
