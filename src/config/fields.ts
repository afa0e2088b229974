/** The value types of environment settings: each parses a string and explains a bad value without echoing it. */
import { z } from 'zod';

export const bool = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'], { error: 'must be true or false' })
    .default(fallback ? 'true' : 'false')
    .transform((v) => v === 'true' || v === '1' || v === 'yes');

const wholeNumber = (min: number, max: number) =>
  z.string().transform((v, ctx) => {
    const n = Number(v.trim());
    if (!Number.isInteger(n) || n < min || n > max) {
      ctx.addIssue({ code: 'custom', message: `must be a whole number from ${min} to ${max}` });
      return z.NEVER;
    }
    return n;
  });

export const int = (fallback: number, min: number, max = Number.MAX_SAFE_INTEGER) =>
  z.string().default(String(fallback)).pipe(wholeNumber(min, max));

/** A whole number with no default: unset means the feature is off. */
export const optionalInt = (min: number, max = Number.MAX_SAFE_INTEGER) => wholeNumber(min, max).optional();

export const url = (protocols: string[]) =>
  z.string().refine(
    (v) => {
      try {
        return protocols.includes(new URL(v).protocol);
      } catch {
        return false;
      }
    },
    { message: `must be a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}` },
  );

export const snowflake = z.string().regex(/^\d{17,20}$/, 'must be a Discord id (17 to 20 digits)');
export const nonEmpty = z.string({ error: 'is required' }).trim().min(1, 'is required');

/** A list of whole numbers and ranges, e.g. `0,1` or `0-3,8`: sorted, without repeats. */
export const idList = (max: number) =>
  z
    .string()
    .trim()
    .regex(/^\d{1,5}(-\d{1,5})?(,\s*\d{1,5}(-\d{1,5})?)*$/, 'must be shard ids like 0,1 or 0-3')
    .transform((v, ctx) => {
      const ids = new Set<number>();
      for (const part of v.split(',')) {
        const [from, to = from] = part.trim().split('-').map(Number) as [number, number?];
        if (to < from || to > max) {
          ctx.addIssue({ code: 'custom', message: `must be shard ids like 0,1 or 0-3, each below ${max + 1}` });
          return z.NEVER;
        }
        for (let id = from; id <= to; id++) ids.add(id);
      }
      return [...ids].sort((a, b) => a - b);
    });
