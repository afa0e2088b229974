import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Keyv, { type KeyvStoreAdapter } from 'keyv';
import { RecordIo, type SqliteHandle } from './records.js';
import { openPostgres, openRedis, type ServerAdapter } from './serverAdapters.js';
import { StoreError, toStoreError } from './storeError.js';

export interface AdapterOptions {
  onError?: (error: unknown) => void;
  /** How long a SQLite write waits for another connection's lock before failing as `busy`. */
  busyTimeoutMs?: number;
}

export const DEFAULT_BUSY_TIMEOUT_MS = 5_000;
const NAMESPACE = 'bot';

/** Open the keyv backend named by DATABASE_URL, with errors that throw instead of reading as "no value". */
export async function openRecordIo(databaseUrl: string, options: AdapterOptions = {}): Promise<RecordIo> {
  const scheme = databaseUrl.slice(0, Math.max(0, databaseUrl.indexOf(':'))).toLowerCase();
  const sqlite =
    scheme === 'sqlite' ? await openSqlite(databaseUrl, options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS) : undefined;
  const server = sqlite ? undefined : await openServerAdapter(scheme, databaseUrl);
  const adapter = sqlite ? sqlite.adapter : (server?.adapter ?? (await openOtherAdapter(scheme, databaseUrl)));
  const kv = new Keyv({ store: adapter, namespace: NAMESPACE, throwOnErrors: true });
  // An unhandled keyv 'error' event throws and would take the process down; the failing call throws as well.
  kv.on('error', (error: unknown) => options.onError?.(error));
  return new RecordIo(kv, sqlite?.handle, server?.atomic);
}

interface SqliteAdapter {
  query(sql: string, ...params: unknown[]): Promise<Array<Record<string, unknown>>>;
  opts: { table: string };
}

async function openSqlite(
  databaseUrl: string,
  busyTimeoutMs: number,
): Promise<{ adapter: KeyvStoreAdapter; handle: SqliteHandle }> {
  const { default: KeyvSqlite } = await import('@keyv/sqlite');
  const file = databaseUrl.replace(/^sqlite:\/\//i, '');
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const sqlite = new KeyvSqlite({ uri: `sqlite://${file}`, busyTimeout: busyTimeoutMs }) as unknown as SqliteAdapter;
  try {
    // WAL keeps readers off the writer's lock; synchronous=NORMAL stays safe against process kills
    // (a committed transaction survives SIGKILL), trading only the last moments before a power cut.
    await sqlite.query('PRAGMA journal_mode=WAL');
    await sqlite.query('PRAGMA synchronous=NORMAL');
  } catch (error) {
    throw toStoreError(error, `opening ${file}`);
  }
  const handle: SqliteHandle = { query: (sql, ...params) => sqlite.query(sql, ...params), table: sqlite.opts.table };
  return { adapter: sqlite as unknown as KeyvStoreAdapter, handle };
}

/** PostgreSQL and Redis, the server databases with atomic operations; undefined for other schemes. */
function openServerAdapter(scheme: string, databaseUrl: string): Promise<ServerAdapter> | undefined {
  if (scheme === 'postgres' || scheme === 'postgresql') return openPostgres(databaseUrl);
  if (scheme === 'redis' || scheme === 'rediss') return openRedis(databaseUrl);
  return undefined;
}

const OTHER_ADAPTERS: Record<string, string> = {
  mysql: '@keyv/mysql',
  mongodb: '@keyv/mongo',
};

async function openOtherAdapter(scheme: string, databaseUrl: string): Promise<KeyvStoreAdapter> {
  const pkg = OTHER_ADAPTERS[scheme];
  if (!pkg)
    throw new StoreError(`DATABASE_URL scheme "${scheme}" is not supported (use sqlite://, redis:// or postgres://)`);
  try {
    // Optional adapters are not dependencies; the variable keeps bundlers and tsc from resolving them.
    const mod = (await import(pkg)) as { default: new (uri: string) => KeyvStoreAdapter };
    return new mod.default(databaseUrl);
  } catch {
    throw new StoreError(`DATABASE_URL uses ${scheme}://, which needs the ${pkg} package: run npm install ${pkg}`);
  }
}
