/**
 * Atomic updates on @keyv/postgres's table (key VARCHAR PRIMARY KEY, value TEXT holding keyv's JSON): each is one
 * INSERT … ON CONFLICT DO UPDATE, whose row lock makes concurrent writers from any process serialize on the row.
 */
import { type AtomicOps, type RawCodec, USAGE_FIELDS } from './atomicOps.js';
import type { LeaseRecord, UsageTotals } from './types.js';

export type PgQuery = (sql: string, values?: unknown[]) => Promise<Array<Record<string, unknown>>>;

const field = (name: string) => `(t.value::jsonb #>> '{value,${name}}')`;

export function postgresOps(query: PgQuery, table: string, codec: RawCodec): AtomicOps {
  // Sums as numeric (exact), written back as JSON numbers; `expires` stays null like keyv writes it.
  const sums = USAGE_FIELDS.map((name, i) => `'${name}', COALESCE(${field(name)}::numeric, 0) + $${i + 3}::numeric`);
  const addUsageSql = `INSERT INTO ${table} AS t (key, value) VALUES ($1, $2)
    ON CONFLICT (key) DO UPDATE SET value = jsonb_build_object('value', jsonb_build_object(${sums.join(', ')}),
      'expires', NULL)::text`;
  const addToListSql = `INSERT INTO ${table} AS t (key, value) VALUES ($1, $2)
    ON CONFLICT (key) DO UPDATE
      SET value = jsonb_set(t.value::jsonb, '{value}', (t.value::jsonb -> 'value') || to_jsonb($3::text))::text
      WHERE NOT ((t.value::jsonb -> 'value') ? $3::text)`;
  const claimSql = `INSERT INTO ${table} AS t (key, value) VALUES ($1, $2)
    ON CONFLICT (key) DO UPDATE SET value = excluded.value
      WHERE ${field('holderId')} = $3 OR ${field('expiresAt')}::numeric <= $4::numeric
    RETURNING key`;
  const releaseSql = `DELETE FROM ${table} AS t WHERE t.key = $1 AND ${field('holderId')} = $2`;

  return {
    async addUsage(key: string, delta: UsageTotals) {
      const fresh: UsageTotals = {
        promptTokens: delta.promptTokens,
        completionTokens: delta.completionTokens,
        requests: delta.requests,
        costUsd: delta.costUsd,
      };
      const amounts = USAGE_FIELDS.map((name) => delta[name]);
      await query(addUsageSql, [codec.rawKey(key), await codec.rawValue(fresh), ...amounts]);
    },
    async addToList(key: string, id: string) {
      await query(addToListSql, [codec.rawKey(key), await codec.rawValue([id]), id]);
    },
    async claimLease(key: string, ours: LeaseRecord, now: number) {
      const rows = await query(claimSql, [codec.rawKey(key), await codec.rawValue(ours), ours.holderId, now]);
      return rows.length > 0;
    },
    async releaseLease(key: string, holderId: string) {
      await query(releaseSql, [codec.rawKey(key), holderId]);
    },
  };
}
