/**
 * Daily token caps as numbers: the operator's GUILD_DAILY_TOKENS is a ceiling every server's own choice stays
 * under, and both caps reset at midnight UTC (usage counters are bucketed by UTC day).
 */

export const DAY_MS = 86_400_000;

/** Milliseconds until the next midnight UTC, when today's usage counters stop counting. */
export const msUntilUtcMidnight = (now: number): number => DAY_MS - (now % DAY_MS);

/** The server's cap in force: its own (0 or unset = none of its own), never above the operator's (0 = none). */
export function effectiveGuildCap(operatorCap: number, own: number | undefined): number {
  const ownCap = own ?? 0;
  if (operatorCap <= 0) return Math.max(0, ownCap);
  return ownCap > 0 ? Math.min(ownCap, operatorCap) : operatorCap;
}

/** Each member's cap in force (0 = none): the server's choice, never above the operator's ceiling. */
export function effectiveMemberCap(operatorCap: number, own: number | undefined): number {
  const ownCap = own ?? 0;
  if (ownCap <= 0) return 0;
  return operatorCap > 0 ? Math.min(ownCap, operatorCap) : ownCap;
}

export type AmountProblem = { kind: 'notWhole' } | { kind: 'aboveCeiling'; ceiling: number };

/** Why an admin's amount cannot be a cap, if it cannot: whole numbers ≥ 0, never above the operator's ceiling. */
export function amountProblem(amount: number, operatorCap: number): AmountProblem | undefined {
  if (!Number.isSafeInteger(amount) || amount < 0) return { kind: 'notWhole' };
  if (operatorCap > 0 && amount > operatorCap) return { kind: 'aboveCeiling', ceiling: operatorCap };
  return undefined;
}

export interface CapUse {
  /** The cap in force (0 = none). */
  cap: number;
  /** Tokens used today. */
  used: number;
}

/** A cap is reached once today's tokens reach it; the turn that crosses it is the last one answered. */
export const capReached = ({ cap, used }: CapUse): boolean => cap > 0 && used >= cap;
