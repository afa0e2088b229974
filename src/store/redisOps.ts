/**
 * Atomic updates on @keyv/redis's string keys: each is one Lua script (Redis runs a script without interleaving
 * other commands), which decodes keyv's JSON record, changes it and writes it back under the same key.
 */
import { type AtomicOps, type RawCodec, USAGE_FIELDS } from './atomicOps.js';
import type { LeaseRecord, UsageTotals } from './types.js';

/** What the scripts need of node-redis's client (`EVAL script keys args`). */
export interface RedisEval {
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
}

const ADD_USAGE = `
local raw = redis.call('GET', KEYS[1])
local rec = raw and cjson.decode(raw) or { expires = cjson.null }
if type(rec.value) ~= 'table' then rec.value = {} end
for i, name in ipairs({ ${USAGE_FIELDS.map((f) => `'${f}'`).join(', ')} }) do
  rec.value[name] = (tonumber(rec.value[name]) or 0) + tonumber(ARGV[i])
end
redis.call('SET', KEYS[1], cjson.encode(rec))
return 1`;

const ADD_TO_LIST = `
local raw = redis.call('GET', KEYS[1])
if not raw then redis.call('SET', KEYS[1], ARGV[2]) return 1 end
local rec = cjson.decode(raw)
if type(rec.value) ~= 'table' then rec.value = {} end
for _, id in ipairs(rec.value) do if id == ARGV[1] then return 0 end end
table.insert(rec.value, ARGV[1])
redis.call('SET', KEYS[1], cjson.encode(rec))
return 1`;

const CLAIM = `
local raw = redis.call('GET', KEYS[1])
if raw then
  local held = cjson.decode(raw).value
  if type(held) == 'table' and held.holderId ~= ARGV[2] and tonumber(held.expiresAt) > tonumber(ARGV[3]) then
    return 0
  end
end
redis.call('SET', KEYS[1], ARGV[1])
return 1`;

const RELEASE = `
local raw = redis.call('GET', KEYS[1])
if not raw then return 0 end
local held = cjson.decode(raw).value
if type(held) == 'table' and held.holderId == ARGV[1] then redis.call('DEL', KEYS[1]) return 1 end
return 0`;

/**
 * `client` is connected lazily by the adapter, so it is asked for per call; `adapterKey` adds the adapter's own
 * namespace prefix on top of keyv's (the key as it is in Redis).
 */
export function redisOps(
  client: () => Promise<RedisEval>,
  adapterKey: (key: string) => string,
  codec: RawCodec,
): AtomicOps {
  const keyOf = (key: string) => adapterKey(codec.rawKey(key));
  const run = async (script: string, key: string, args: string[]) =>
    (await client()).eval(script, { keys: [keyOf(key)], arguments: args });
  return {
    async addUsage(key: string, delta: UsageTotals) {
      await run(
        ADD_USAGE,
        key,
        USAGE_FIELDS.map((name) => String(delta[name])),
      );
    },
    async addToList(key: string, id: string) {
      await run(ADD_TO_LIST, key, [id, await codec.rawValue([id])]);
    },
    async claimLease(key: string, ours: LeaseRecord, now: number) {
      return (await run(CLAIM, key, [await codec.rawValue(ours), ours.holderId, String(now)])) === 1;
    },
    async releaseLease(key: string, holderId: string) {
      await run(RELEASE, key, [holderId]);
    },
  };
}
