import { storeStrings } from '../strings.js';

/**
 * Why a store operation failed, in the terms a user or operator can act on. `full`: the disk (or the database's size
 * cap) is full; `busy`: another connection held the write lock longer than the busy timeout; `conflict`: the thread
 * moved on (reset, or another writer) while a turn ran; `unavailable`: anything else (connection lost, I/O error).
 */
export type StoreErrorKind = 'full' | 'busy' | 'conflict' | 'unavailable';

export class StoreError extends Error {
  override name = 'StoreError';

  /** `cause` is the backend's own error, kept for the log. */
  constructor(
    message: string,
    readonly kind: StoreErrorKind = 'unavailable',
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

// SQLite codes by name (node-sqlite3 sets `code`), PostgreSQL SQLSTATEs, Redis reply prefixes.
const FULL_CODES = new Set(['SQLITE_FULL', 'ENOSPC', 'EFBIG', '53100', '53200']);
const BUSY_CODES = new Set(['SQLITE_BUSY', 'SQLITE_LOCKED', '55P03', '40P01']);
const FULL_TEXT = /database or disk is full|no space left|disk full|\bOOM\b|maxmemory/i;
const BUSY_TEXT = /database is locked|database table is locked|SQLITE_BUSY|BUSY/;

export function classifyStoreError(error: unknown): StoreErrorKind {
  if (error instanceof StoreError) return error.kind;
  const code = typeof error === 'object' && error !== null ? String((error as { code?: unknown }).code ?? '') : '';
  const message = error instanceof Error ? error.message : String(error);
  if (FULL_CODES.has(code) || FULL_TEXT.test(message)) return 'full';
  if (BUSY_CODES.has(code) || BUSY_TEXT.test(message)) return 'busy';
  return 'unavailable';
}

/** Wrap a backend error as a StoreError naming what was being done; StoreErrors pass through unchanged. */
export function toStoreError(error: unknown, doing: string): StoreError {
  if (error instanceof StoreError) return error;
  const kind = classifyStoreError(error);
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return new StoreError(`store ${kind} while ${doing}${code ? ` (${String(code)})` : ''}`, kind, { cause: error });
}

/** The kind of a failure to save, for the thread notice; non-store errors count as `unavailable`. */
export const storeErrorKind = (error: unknown): StoreErrorKind =>
  error instanceof StoreError ? error.kind : 'unavailable';

/** The thread notice for an exchange that could not be saved, naming the cause. */
export const notSavedNotice = (error: unknown): string => storeStrings.notSaved[storeErrorKind(error)];
