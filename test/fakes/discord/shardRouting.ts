/**
 * Which shard sees what, as on Discord: a guild belongs to shard `(guild_id >> 22) % shard_count`, and events
 * outside any guild (DMs) go to shard 0 only.
 */
import type { Snowflake } from 'discord-api-types/globals';
import type { UnsequencedDispatch } from './gatewayTypes.js';

export type ShardPair = readonly [id: number, count: number];

export const shardOfGuild = (guildId: Snowflake, count: number): number =>
  Number((BigInt(guildId) >> 22n) % BigInt(count));

export const ownsGuild = (shard: ShardPair, guildId: Snowflake): boolean =>
  shardOfGuild(guildId, shard[1]) === shard[0];

/** The guild a dispatch is about (its `guild_id`, or the guild itself for GUILD_CREATE/UPDATE/DELETE), or null. */
export function guildOfDispatch(payload: UnsequencedDispatch): Snowflake | null {
  const d = payload.d as { guild_id?: unknown; id?: unknown } | null | undefined;
  if (d && typeof d.guild_id === 'string') return d.guild_id;
  if (payload.t === 'GUILD_CREATE' || payload.t === 'GUILD_UPDATE' || payload.t === 'GUILD_DELETE') {
    return d && typeof d.id === 'string' ? d.id : null;
  }
  return null;
}

/** Whether a session identified as `shard` receives `payload`. */
export function shardReceives(shard: ShardPair, payload: UnsequencedDispatch): boolean {
  const guildId = guildOfDispatch(payload);
  return guildId === null ? shard[0] === 0 : ownsGuild(shard, guildId);
}

/** The IDENTIFY `shard` field if it is well formed: two integers, 0 ≤ id < count. */
export function validShard(value: unknown): ShardPair | null {
  if (!Array.isArray(value) || value.length !== 2) return null;
  const [id, count] = value as unknown[];
  if (!Number.isInteger(id) || !Number.isInteger(count)) return null;
  const [i, n] = [id as number, count as number];
  return n >= 1 && i >= 0 && i < n ? [i, n] : null;
}
