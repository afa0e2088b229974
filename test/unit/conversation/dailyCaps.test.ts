import { describe, expect, it } from 'vitest';
import {
  amountProblem,
  capReached,
  effectiveGuildCap,
  effectiveMemberCap,
  msUntilUtcMidnight,
} from '../../../src/conversation/dailyCaps.js';

describe('daily cap arithmetic', () => {
  it("the server's cap never rises above the operator's ceiling, and 0 falls back to the ceiling", () => {
    // [operator GUILD_DAILY_TOKENS, server's /settings daily-tokens, cap in force]
    const table: Array<[number, number | undefined, number]> = [
      [0, undefined, 0],
      [0, 0, 0],
      [0, 5_000, 5_000],
      [10_000, undefined, 10_000],
      [10_000, 0, 10_000],
      [10_000, 4_000, 4_000],
      [10_000, 10_000, 10_000],
      // Stored before the operator lowered the ceiling: the ceiling wins.
      [10_000, 25_000, 10_000],
    ];
    for (const [operator, own, inForce] of table)
      expect(effectiveGuildCap(operator, own), `${operator}/${own}`).toBe(inForce);
  });

  it("a member's cap is the server's choice (0 = none), also under the operator's ceiling", () => {
    const table: Array<[number, number | undefined, number]> = [
      [0, undefined, 0],
      [0, 0, 0],
      [0, 700, 700],
      [10_000, undefined, 0],
      [10_000, 700, 700],
      [10_000, 30_000, 10_000],
    ];
    for (const [operator, own, inForce] of table)
      expect(effectiveMemberCap(operator, own), `${operator}/${own}`).toBe(inForce);
  });

  it('accepts whole amounts from 0 up to the ceiling and names the ceiling otherwise', () => {
    expect(amountProblem(0, 10_000)).toBeUndefined();
    expect(amountProblem(10_000, 10_000)).toBeUndefined();
    expect(amountProblem(10_001, 10_000)).toEqual({ kind: 'aboveCeiling', ceiling: 10_000 });
    expect(amountProblem(10_000_000, 0)).toBeUndefined();
    expect(amountProblem(-1, 0)).toEqual({ kind: 'notWhole' });
    expect(amountProblem(1.5, 0)).toEqual({ kind: 'notWhole' });
    expect(amountProblem(Number.NaN, 0)).toEqual({ kind: 'notWhole' });
  });

  it('a cap is reached once today has used it up, never when there is no cap', () => {
    expect(capReached({ cap: 100, used: 99 })).toBe(false);
    expect(capReached({ cap: 100, used: 100 })).toBe(true);
    expect(capReached({ cap: 100, used: 250 })).toBe(true);
    expect(capReached({ cap: 0, used: 1_000_000 })).toBe(false);
  });

  it('the allowance resets at the next midnight UTC', () => {
    const at = Date.UTC(2026, 4, 17, 22, 30, 0);
    expect(msUntilUtcMidnight(at)).toBe(90 * 60_000);
    expect(msUntilUtcMidnight(Date.UTC(2026, 4, 17))).toBe(86_400_000);
    expect(msUntilUtcMidnight(Date.UTC(2026, 4, 17, 23, 59, 59, 999))).toBe(1);
  });
});
