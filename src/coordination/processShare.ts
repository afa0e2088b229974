/**
 * How much of the deployment's budgets one process may use on its own. Under the ShardingManager each shard process
 * learns its place from the SHARDS / SHARD_COUNT variables the manager sets (discord.js's Client reads them too).
 * Several shards without Redis split RPM, TPM and the write budget evenly; with Redis the share only applies while
 * Redis is unreachable.
 */
import type { Config } from '../config/config.js';

export interface ShardPlace {
  ids: number[];
  count: number;
}

/** Set in a shard process started by discord.js's ShardingManager; undefined in a single process. */
export function shardPlace(env: NodeJS.ProcessEnv = process.env): ShardPlace | undefined {
  if (env.SHARDING_MANAGER !== 'true' || env.SHARD_COUNT === undefined) return undefined;
  const count = Number(env.SHARD_COUNT);
  // The manager sets SHARDS to one id in process mode ("0") and to a JSON list otherwise ("[0,1]").
  const ids = [JSON.parse(env.SHARDS ?? '[]') as unknown].flat().map(Number);
  return Number.isInteger(count) && count > 0 ? { ids, count } : undefined;
}

/** This process's fraction of every budget: 1 / number of shard processes. */
export const processShare = (place: ShardPlace | undefined): number => (place ? place.ids.length / place.count : 1);

/** The config one shard runs with: without Redis, its 1/N of RPM and TPM (the write budget share is `share`). */
export function configForProcess(
  config: Config,
  place: ShardPlace | undefined,
): { config: Config; share: number; split: boolean } {
  const share = processShare(place);
  if (share >= 1 || config.redisUrl) return { config, share, split: false };
  const openai = {
    ...config.openai,
    rpm: Math.max(1, Math.floor(config.openai.rpm * share)),
    tpm: Math.max(1, Math.floor(config.openai.tpm * share)),
  };
  return { config: { ...config, openai }, share, split: true };
}
