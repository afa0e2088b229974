import type { AtomicOps } from './atomicOps.js';
import type { RecordIo, SqliteHandle } from './records.js';
import { StoreError, toStoreError } from './storeError.js';
import type { LeaseRecord } from './types.js';

/** How long a writer without compare-and-set (neither SQLite nor a server with atomicOps) waits to read back. */
const SETTLE_MS = 250;
/** A claim whose competitor released between our write and our read is simply tried again, this many times. */
const CLAIM_ATTEMPTS = 3;

const leaseKey = (name: string): string => `lease:${name}`;

/**
 * Take or renew a lease record. On SQLite this is one conditional upsert, atomic across processes: the row is
 * replaced only if it is ours or expired, and RETURNING says whether that happened. PostgreSQL and Redis do the
 * same compare-and-set server-side (atomicOps). Other backends have none through keyv, so they write, wait a
 * moment and read back (last writer wins, both see it).
 */
export async function claimLeaseRecord(
  io: RecordIo,
  name: string,
  holderId: string,
  ttlMs: number,
): Promise<LeaseRecord> {
  for (let attempt = 0; attempt < CLAIM_ATTEMPTS; attempt++) {
    const now = Date.now();
    const ours: LeaseRecord = { holderId, expiresAt: now + ttlMs };
    const held = io.sqlite
      ? await claimSqlite(io, io.sqlite, name, ours, now)
      : io.atomic
        ? await claimAtomic(io, io.atomic, name, ours, now)
        : await claimByReadBack(io, name, ours, now);
    if (held) return held;
  }
  throw new StoreError(`lease ${name} changed hands ${CLAIM_ATTEMPTS} times while being claimed`, 'busy');
}

export async function releaseLeaseRecord(io: RecordIo, name: string, holderId: string): Promise<void> {
  if (io.atomic) {
    try {
      return await io.atomic.releaseLease(leaseKey(name), holderId);
    } catch (error) {
      throw toStoreError(error, 'releasing a lease');
    }
  }
  if (!io.sqlite) {
    const current = await io.get<LeaseRecord>(leaseKey(name));
    if (current?.holderId === holderId) await io.deleteMany([leaseKey(name)]);
    return;
  }
  const { table } = io.sqlite;
  try {
    await io.sqlite.query(
      `DELETE FROM ${table} WHERE key = ? AND json_extract(value, '$.value.holderId') = ?`,
      io.rawKey(leaseKey(name)),
      holderId,
    );
  } catch (error) {
    throw toStoreError(error, 'releasing a lease');
  }
}

async function claimSqlite(
  io: RecordIo,
  sqlite: SqliteHandle,
  name: string,
  ours: LeaseRecord,
  now: number,
): Promise<LeaseRecord | undefined> {
  const { table } = sqlite;
  let won: unknown[];
  try {
    won = await sqlite.query(
      `INSERT INTO ${table} (key, value) VALUES (?, ?)
       ON CONFLICT(key) DO UPDATE SET value = excluded.value
       WHERE json_extract(${table}.value, '$.value.holderId') = ?
          OR json_extract(${table}.value, '$.value.expiresAt') <= ?
       RETURNING key`,
      io.rawKey(leaseKey(name)),
      await io.rawValue(ours),
      ours.holderId,
      now,
    );
  } catch (error) {
    throw toStoreError(error, 'claiming a lease');
  }
  if (won.length > 0) return ours;
  // Someone else holds it; read who, for the message. Gone already (released meanwhile): the caller tries again.
  return io.get<LeaseRecord>(leaseKey(name));
}

async function claimAtomic(
  io: RecordIo,
  atomic: AtomicOps,
  name: string,
  ours: LeaseRecord,
  now: number,
): Promise<LeaseRecord | undefined> {
  let won: boolean;
  try {
    won = await atomic.claimLease(leaseKey(name), ours, now);
  } catch (error) {
    throw toStoreError(error, 'claiming a lease');
  }
  return won ? ours : io.get<LeaseRecord>(leaseKey(name));
}

async function claimByReadBack(
  io: RecordIo,
  name: string,
  ours: LeaseRecord,
  now: number,
): Promise<LeaseRecord | undefined> {
  const current = await io.get<LeaseRecord>(leaseKey(name));
  if (current && current.holderId !== ours.holderId && current.expiresAt > now) return current;
  await io.set(leaseKey(name), ours);
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
  return io.get<LeaseRecord>(leaseKey(name));
}
