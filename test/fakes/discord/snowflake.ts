import type { Snowflake } from 'discord-api-types/globals';

/** 2015-01-01T00:00:00.000Z, the epoch of Discord snowflakes. */
export const DISCORD_EPOCH_MS = 1_420_070_400_000;
const INCREMENT_BITS = 12n;
const INCREMENT_MASK = (1n << INCREMENT_BITS) - 1n;
const WORKER_AND_PROCESS = 1n << INCREMENT_BITS; // worker 0, process 1: bits 12..21
/** Backdated ids come from "process 2", so they can never equal an id minted for the present. */
const BACKDATED_PROCESS = 2n << INCREMENT_BITS;
/** Asking for a time at least this far before the newest id means a backdated message, not clock jitter. */
const BACKDATE_AFTER_MS = 60_000;

/**
 * Realistic, unique, increasing snowflakes: `(ms since the Discord epoch << 22) | worker/process | increment`.
 * Any timestamp after 2015-01-15 gives 17–19 digits, which is what @discordjs/rest's route bucketing recognises.
 */
export class SnowflakeGenerator {
  private lastMs = 0;
  private increment = 0n;

  private backdatedMs = 0;
  private backdatedIncrement = 0n;

  next(atMs: number = Date.now()): Snowflake {
    // A message Discord stored long ago (tests of catching up) keeps the id of its time, like on Discord.
    if (atMs <= this.lastMs - BACKDATE_AFTER_MS) return this.backdated(Math.floor(atMs));
    let ms = Math.max(Math.floor(atMs), DISCORD_EPOCH_MS + 1_000_000_000);
    // Keep ids strictly increasing even when many are made in one millisecond or the clock is asked for the past.
    if (ms <= this.lastMs) {
      ms = this.lastMs;
      this.increment += 1n;
      if (this.increment > INCREMENT_MASK) {
        ms += 1;
        this.increment = 0n;
      }
    } else {
      this.increment = 0n;
    }
    this.lastMs = ms;
    return ((BigInt(ms - DISCORD_EPOCH_MS) << 22n) | WORKER_AND_PROCESS | this.increment).toString();
  }

  private backdated(atMs: number): Snowflake {
    const ms = Math.max(atMs, this.backdatedMs, DISCORD_EPOCH_MS + 1_000_000_000);
    this.backdatedIncrement = ms === this.backdatedMs ? this.backdatedIncrement + 1n : 0n;
    if (this.backdatedIncrement > INCREMENT_MASK) throw new Error('too many backdated ids in one millisecond');
    this.backdatedMs = ms;
    return ((BigInt(ms - DISCORD_EPOCH_MS) << 22n) | BACKDATED_PROCESS | this.backdatedIncrement).toString();
  }
}

/** Milliseconds since the Unix epoch encoded in a snowflake. */
export function snowflakeTimestamp(id: Snowflake): number {
  return Number(BigInt(id) >> 22n) + DISCORD_EPOCH_MS;
}
