import type { Snowflake } from 'discord-api-types/globals';

/** 2015-01-01T00:00:00.000Z, the epoch of Discord snowflakes. */
export const DISCORD_EPOCH_MS = 1_420_070_400_000;
const INCREMENT_BITS = 12n;
const INCREMENT_MASK = (1n << INCREMENT_BITS) - 1n;
const WORKER_AND_PROCESS = 1n << INCREMENT_BITS; // worker 0, process 1: bits 12..21

/**
 * Realistic, unique, increasing snowflakes: `(ms since the Discord epoch << 22) | worker/process | increment`.
 * Any timestamp after 2015-01-15 gives 17–19 digits, which is what @discordjs/rest's route bucketing recognises.
 */
export class SnowflakeGenerator {
  private lastMs = 0;
  private increment = 0n;

  next(atMs: number = Date.now()): Snowflake {
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
}

/** Milliseconds since the Unix epoch encoded in a snowflake. */
export function snowflakeTimestamp(id: Snowflake): number {
  return Number(BigInt(id) >> 22n) + DISCORD_EPOCH_MS;
}
