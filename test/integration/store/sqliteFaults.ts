// Real faults on a real SQLite file: a second connection that holds the write lock, a disk that fills up.
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import sqlite3 from 'sqlite3';
import type { KeyvStore } from '../../../src/store/keyvStore.js';
import type { SqliteHandle } from '../../../src/store/records.js';

export const fileOf = (url: string): string => url.replace(/^sqlite:\/\//, '');

/** A second connection to the same file, as another process would have. */
export class SecondConnection {
  private readonly db: sqlite3.Database;
  constructor(file: string) {
    this.db = new sqlite3.Database(file);
  }

  run(sql: string, ...params: unknown[]): Promise<void> {
    return new Promise((resolve, reject) => this.db.run(sql, params, (error) => (error ? reject(error) : resolve())));
  }

  /** Take the write lock and keep it until `release`. */
  async holdWriteLock(): Promise<{ release: () => Promise<void> }> {
    await this.run('BEGIN EXCLUSIVE');
    return { release: () => this.run('COMMIT') };
  }

  close(): Promise<void> {
    return new Promise((resolve, reject) => this.db.close((error) => (error ? reject(error) : resolve())));
  }
}

/** The store's own SQLite connection (size caps such as max_page_count are per connection). */
export function sqliteOf(store: KeyvStore): SqliteHandle {
  if (!store.io.sqlite) throw new Error('not a SQLite store');
  return store.io.sqlite;
}

/** A tiny tmpfs of `sizeKb`, or undefined where this process may not mount (not root, no privileges). */
export function mountTmpfs(dir: string, sizeKb: number): { dir: string; unmount: () => void } | undefined {
  mkdirSync(dir, { recursive: true });
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeKb}k`, 'tmpfs', dir], { stdio: 'ignore' });
  } catch {
    rmSync(dir, { recursive: true, force: true });
    return undefined;
  }
  return {
    dir,
    unmount: () => {
      execFileSync('umount', [dir], { stdio: 'ignore' });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
