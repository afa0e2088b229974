/**
 * The keyv adapters for server databases, each with the atomic operations keyv lacks (atomicOps.ts).
 * PostgreSQL: @keyv/postgres keeps one module-wide pool per URL, so closing one store ended it for every other
 * store in the process (and a second close threw "Called end on pool more than once"); here each adapter owns a
 * pool of its own, made with the same `pg` the adapter depends on.
 */
import { createRequire } from 'node:module';
import type { KeyvStoreAdapter } from 'keyv';
import type { AtomicOps, RawCodec } from './atomicOps.js';
import { type PgQuery, postgresOps } from './postgresOps.js';
import { type RedisEval, redisOps } from './redisOps.js';

export interface ServerAdapter {
  adapter: KeyvStoreAdapter;
  atomic: (codec: RawCodec) => AtomicOps;
}

interface PgPool {
  query(sql: string, values?: unknown[]): Promise<{ rows: Array<Record<string, unknown>> }>;
  end(): Promise<void>;
}
type PgModule = { Pool: new (config: { connectionString: string }) => PgPool };

export async function openPostgres(databaseUrl: string): Promise<ServerAdapter> {
  const { KeyvPostgres } = await import('@keyv/postgres');
  const pg = createRequire(import.meta.resolve('@keyv/postgres'))('pg') as PgModule;
  const pools = new WeakMap<object, PgPool>();
  class OwnPoolPostgres extends KeyvPostgres {
    // Called from the parent constructor (before fields exist), hence the WeakMap rather than a field.
    override async connect() {
      const pool = new pg.Pool({ connectionString: databaseUrl });
      pools.set(this, pool);
      return async (sql: string, values?: unknown) => (await pool.query(sql, values as unknown[])).rows;
    }
    override async disconnect() {
      const pool = pools.get(this);
      pools.delete(this);
      await pool?.end();
    }
  }
  const adapter = new OwnPoolPostgres({ uri: databaseUrl });
  const table = `${adapter.opts.schema ?? 'public'}.${adapter.opts.table ?? 'keyv'}`;
  const query: PgQuery = (sql, values) => adapter.query(sql, values);
  return { adapter: adapter as unknown as KeyvStoreAdapter, atomic: (codec) => postgresOps(query, table, codec) };
}

export async function openRedis(databaseUrl: string): Promise<ServerAdapter> {
  const { default: KeyvRedis } = await import('@keyv/redis');
  const adapter = new KeyvRedis(databaseUrl);
  const client = async () => (await adapter.getClient()) as unknown as RedisEval;
  const adapterKey = (key: string) => adapter.createKeyPrefix(key, adapter.namespace);
  return { adapter: adapter as unknown as KeyvStoreAdapter, atomic: (codec) => redisOps(client, adapterKey, codec) };
}
