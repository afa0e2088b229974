import type Keyv from 'keyv';
import type { AtomicOps, RawCodec } from './atomicOps.js';
import { StoreError, toStoreError } from './storeError.js';

/** The SQL side of @keyv/sqlite's connection: `query` runs one statement and resolves with its rows. */
export interface SqliteHandle {
  query(sql: string, ...params: unknown[]): Promise<Array<Record<string, unknown>>>;
  /** The adapter's table (`keyv` unless configured otherwise). */
  table: string;
}

export interface RecordEntry {
  key: string;
  value: unknown;
}

/**
 * Checked record I/O: every read and write either does what it says or throws a StoreError with its cause kind.
 * keyv runs with `throwOnErrors`, and a `false` from a write (adapters that report rather than throw) counts too.
 */
export class RecordIo implements RawCodec {
  /** Present on PostgreSQL and Redis: counter adds, list adds and the lease done atomically by the server. */
  readonly atomic?: AtomicOps;

  constructor(
    readonly kv: Keyv,
    /** Present on SQLite, where several records can be written in one statement (one implicit transaction). */
    readonly sqlite?: SqliteHandle,
    atomicOps?: (codec: RawCodec) => AtomicOps,
  ) {
    this.atomic = atomicOps?.(this);
  }

  async get<T>(key: string): Promise<T | undefined> {
    try {
      return ((await this.kv.get<T>(key)) ?? undefined) as T | undefined;
    } catch (error) {
      throw toStoreError(error, `reading ${kindOf(key)}`);
    }
  }

  async getMany<T>(keys: string[]): Promise<Array<T | undefined>> {
    try {
      return (await this.kv.getMany<T>(keys)).map((v) => v ?? undefined);
    } catch (error) {
      throw toStoreError(error, `reading ${keys.length} ${kindOf(keys[0] ?? '')} records`);
    }
  }

  async set(key: string, value: unknown): Promise<void> {
    let ok: boolean;
    try {
      ok = await this.kv.set(key, value);
    } catch (error) {
      throw toStoreError(error, `writing ${kindOf(key)}`);
    }
    if (!ok) throw new StoreError(`store refused writing ${kindOf(key)}`);
  }

  /**
   * Write every entry or none. On SQLite that is one INSERT … SELECT statement; elsewhere the entries before the
   * last are written first and the last one (the commit record) only after all of them landed.
   */
  async writeAll(entries: RecordEntry[]): Promise<void> {
    if (entries.length === 0) return;
    if (this.sqlite) return this.writeAllSqlite(this.sqlite, entries);
    const body = entries.slice(0, -1);
    const last = entries[entries.length - 1]!;
    if (body.length > 0) {
      let results: boolean[];
      try {
        results = await this.kv.setMany(body);
      } catch (error) {
        throw toStoreError(error, `writing ${body.length} ${kindOf(body[0]!.key)} records`);
      }
      if (Array.isArray(results) && results.some((ok) => !ok))
        throw new StoreError(`store refused ${body.length} ${kindOf(body[0]!.key)} records`);
    }
    await this.set(last.key, last.value);
  }

  async deleteMany(keys: string[]): Promise<void> {
    try {
      await this.kv.deleteMany(keys);
    } catch (error) {
      throw toStoreError(error, `deleting ${keys.length} ${kindOf(keys[0] ?? '')} records`);
    }
  }

  /** The key as the adapter stores it (keyv prefixes its namespace). */
  rawKey(key: string): string {
    return this.kv.namespace ? `${this.kv.namespace}:${key}` : key;
  }

  /** The value as keyv stores it, so rows written by SQL read back through keyv unchanged. */
  async rawValue(value: unknown): Promise<string> {
    const serialized = await this.kv.serializeData({ value, expires: undefined });
    if (typeof serialized !== 'string') throw new StoreError('keyv serializer did not produce text');
    return serialized;
  }

  private async writeAllSqlite(sqlite: SqliteHandle, entries: RecordEntry[]): Promise<void> {
    const rows = await Promise.all(entries.map(async (e) => [this.rawKey(e.key), await this.rawValue(e.value)]));
    // `WHERE true` resolves SQLite's parse ambiguity between a SELECT's join and the upsert clause.
    const sql = `INSERT INTO ${sqlite.table} (key, value)
      SELECT json_extract(e.value, '$[0]'), json_extract(e.value, '$[1]') FROM json_each(?) AS e WHERE true
      ON CONFLICT(key) DO UPDATE SET value = excluded.value`;
    try {
      await sqlite.query(sql, JSON.stringify(rows));
    } catch (error) {
      throw toStoreError(error, `writing ${entries.length} records (${kindOf(entries[0]!.key)}…)`);
    }
  }
}

/** A key's record kind for messages (`turn`, `thread`, `usage`): ids stay out of error text. */
const kindOf = (key: string): string => key.split(':', 1)[0] || 'record';
