import { describe, expect, it } from 'vitest';
import { GATE_NOTICE_INTERVAL_MS, mayUseBot, RefusalNotices } from '../../../src/conversation/roleGate.js';

const GUILD = '200000000000000001';
const ROLE = '400000000000000001';

describe('role gate', () => {
  it('lets everyone in when no role is required, and in DMs', () => {
    expect(mayUseBot(undefined, { guildId: GUILD, roleIds: [], canManageGuild: false })).toBe(true);
    expect(mayUseBot(ROLE, { guildId: null, roleIds: [], canManageGuild: false })).toBe(true);
  });

  it('lets in members with the role and Manage Server holders, nobody else', () => {
    expect(mayUseBot(ROLE, { guildId: GUILD, roleIds: ['1', ROLE], canManageGuild: false })).toBe(true);
    expect(mayUseBot(ROLE, { guildId: GUILD, roleIds: [], canManageGuild: true })).toBe(true);
    expect(mayUseBot(ROLE, { guildId: GUILD, roleIds: ['1'], canManageGuild: false })).toBe(false);
  });

  it('tells a refused member once per hour per server, not on every message', () => {
    const notices = new RefusalNotices();
    const t0 = 1_800_000_000_000;
    const told = [
      0,
      1_000,
      30 * 60_000,
      GATE_NOTICE_INTERVAL_MS - 1,
      GATE_NOTICE_INTERVAL_MS,
      GATE_NOTICE_INTERVAL_MS + 5,
    ].map((dt) => notices.shouldTell(GUILD, 'u1', t0 + dt));
    expect(told).toEqual([true, false, false, false, true, false]);
    // Another member, and the same member in another server, have their own hour.
    expect(notices.shouldTell(GUILD, 'u2', t0 + 1_000)).toBe(true);
    expect(notices.shouldTell('200000000000000002', 'u1', t0 + 1_000)).toBe(true);
  });

  it('stays bounded in memory: past the limit the oldest are forgotten and may be told again', () => {
    const notices = new RefusalNotices(GATE_NOTICE_INTERVAL_MS, 100);
    const t0 = 1_800_000_000_000;
    for (let i = 0; i < 1_000; i++) notices.shouldTell(GUILD, `u${i}`, t0 + i);
    expect(notices.remembered).toBeLessThanOrEqual(100);
    expect(notices.shouldTell(GUILD, 'u999', t0 + 2_000)).toBe(false);
    expect(notices.shouldTell(GUILD, 'u0', t0 + 2_000)).toBe(true);
  });
});
