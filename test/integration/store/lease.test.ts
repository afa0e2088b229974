import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore, type KeyvStore } from '../../../src/store/keyvStore.js';
import { acquireLease, LeaseHeldError, type Lease, type LeaseLostError } from '../../../src/store/lease.js';
import { makeTempDir, sqliteUrl } from '../../helpers/tempDir.js';
import { fileOf, SecondConnection } from './sqliteFaults.js';

const HELD_LINE =
  /^another bot process is already running with this database \(lease bot held by (\S+), expires in (\d+) s\)$/;
const script = fileURLToPath(new URL('./fixtures/holdLease.ts', import.meta.url));

async function refusal(promise: Promise<unknown>): Promise<LeaseHeldError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(LeaseHeldError);
  return error as LeaseHeldError;
}

describe('the lease that keeps two processes off one database', () => {
  let temp: ReturnType<typeof makeTempDir>;
  let url: string;
  const stores: KeyvStore[] = [];
  const children: ChildProcess[] = [];
  const open = async () => {
    const store = await openStore(url);
    stores.push(store);
    return store;
  };
  beforeEach(() => {
    temp = makeTempDir();
    url = sqliteUrl(temp.dir);
  });
  afterEach(async () => {
    for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
    for (const store of stores.splice(0)) await store.close().catch(() => undefined);
    temp.remove();
  });

  /** Start a process that tries to take `name`; resolves with its first line and its exit code promise. */
  function startHolder(name: string, holder: string, ttlMs: number) {
    const child = spawn(process.execPath, ['--import', 'tsx', script, url, name, holder, String(ttlMs)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    children.push(child);
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const line = new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${holder} printed nothing in 15 s`)), 15_000);
      let buffered = '';
      child.stdout!.setEncoding('utf8');
      child.stdout!.on('data', (chunk: string) => {
        buffered += chunk;
        if (!buffered.includes('\n')) return;
        clearTimeout(timer);
        resolve(buffered.slice(0, buffered.indexOf('\n')));
      });
      child.once('exit', () => clearTimeout(timer));
    });
    return { child, line, exited };
  }

  it('a second holder is refused with one line naming the cause; another shard is free', async () => {
    const [a, b] = [await open(), await open()];
    await acquireLease(a, 'bot', { ttlMs: 5_000, holderId: 'host-a:101' });
    const error = await refusal(acquireLease(b, 'bot', { ttlMs: 5_000, holderId: 'host-b:202' }));
    expect(error.message).toMatch(HELD_LINE);
    expect(error.message).toContain('held by host-a:101, expires in 5 s');
    await acquireLease(a, 'shard:0', { ttlMs: 5_000, holderId: 'host-a:101' });
    const shard1 = await acquireLease(b, 'shard:1', { ttlMs: 5_000, holderId: 'host-b:202' });
    expect(shard1.holderId).toBe('host-b:202');
    await expect(acquireLease(b, 'shard:0', { ttlMs: 5_000 })).rejects.toBeInstanceOf(LeaseHeldError);
  });

  it('two connections claiming at the same instant never both win (50 rounds)', async () => {
    const [a, b] = [await open(), await open()];
    for (let round = 0; round < 50; round++) {
      const claims = await Promise.allSettled([
        acquireLease(a, `shard:${round}`, { ttlMs: 5_000, holderId: 'a' }),
        acquireLease(b, `shard:${round}`, { ttlMs: 5_000, holderId: 'b' }),
      ]);
      expect(claims.filter((c) => c.status === 'fulfilled')).toHaveLength(1);
      const lost = claims.find((c): c is PromiseRejectedResult => c.status === 'rejected');
      expect(lost?.reason).toBeInstanceOf(LeaseHeldError);
    }
  });

  it('processes starting at the same moment: exactly one holds it, the others exit with the clear line', async () => {
    const starts = ['p1', 'p2', 'p3', 'p4'].map((holder) => startHolder('bot', holder, 10_000));
    const lines = await Promise.all(starts.map((s) => s.line));
    const held = lines.filter((l) => l.startsWith('held '));
    expect(held).toHaveLength(1);
    const winner = held[0]!.slice('held '.length);
    for (const [i, line] of lines.entries()) {
      if (line.startsWith('held ')) continue;
      expect(line.slice('refused '.length)).toMatch(HELD_LINE);
      expect(line).toContain(`held by ${winner},`);
      expect(await starts[i]!.exited).toBe(3);
    }
  });

  it('a holder killed with SIGKILL blocks a successor only until its ttl runs out', async () => {
    const ttlMs = 1_500;
    const crashed = startHolder('bot', 'crashed-holder', ttlMs);
    expect(await crashed.line).toBe('held crashed-holder');
    crashed.child.kill('SIGKILL');
    await crashed.exited;
    const store = await open();
    const error = await refusal(acquireLease(store, 'bot', { ttlMs, holderId: 'successor' }));
    expect(error.message).toContain('held by crashed-holder');
    const expiresAt = error.holder.expiresAt;
    let lease: Lease | undefined;
    for (let attempt = 0; attempt < 40 && !lease; attempt++) {
      lease = await acquireLease(store, 'bot', { ttlMs, holderId: 'successor' }).catch(() => undefined);
      if (!lease) await new Promise((r) => setTimeout(r, 100));
    }
    expect(lease?.holderId).toBe('successor');
    expect(Date.now()).toBeGreaterThanOrEqual(expiresAt);
  });

  it('closing the store releases the lease at once', async () => {
    const first = await open();
    await acquireLease(first, 'bot', { ttlMs: 60_000, holderId: 'first' });
    await first.close();
    const second = await open();
    const lease = await acquireLease(second, 'bot', { ttlMs: 60_000, holderId: 'second' });
    expect(lease.holderId).toBe('second');
  });

  it('renewal keeps the lease past its ttl while the holder runs; release hands it over', async () => {
    const [a, b] = [await open(), await open()];
    const lease = await acquireLease(a, 'bot', { ttlMs: 600, renewEveryMs: 150, holderId: 'runner' });
    const firstExpiry = lease.expiresAt;
    const started = Date.now();
    // Over two and a half ttls, every attempt by another process is refused.
    for (let attempt = 0; attempt < 30 && Date.now() - started < 1_500; attempt++) {
      await expect(acquireLease(b, 'bot', { ttlMs: 600, holderId: 'intruder' })).rejects.toBeInstanceOf(LeaseHeldError);
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_500);
    expect(lease.expiresAt).toBeGreaterThan(firstExpiry + 600);
    await lease.release();
    expect((await acquireLease(b, 'bot', { ttlMs: 600, holderId: 'intruder' })).holderId).toBe('intruder');
  });

  it('a holder that cannot renew before its ttl (write lock held elsewhere) is told it lost the lease', async () => {
    const holder = await openStore(url, { busyTimeoutMs: 100 });
    stores.push(holder);
    let reportLoss: (error: LeaseLostError) => void = () => undefined;
    const lost = new Promise<LeaseLostError>((resolve) => (reportLoss = resolve));
    await acquireLease(holder, 'bot', { ttlMs: 600, renewEveryMs: 150, holderId: 'stalled', onLost: reportLoss });
    const other = new SecondConnection(fileOf(url));
    const lock = await other.holdWriteLock();
    const error = await lost;
    await lock.release();
    await other.close();
    expect(error.message).toBe(
      'this bot process lost its lease bot (it could not be renewed before it expired); ' +
        'stopping so two processes never answer the same message',
    );
    // Nobody took it over: a restart may get it back (a shard's manager respawns it).
    expect(error.takenOver).toBe(false);
    const successor = await acquireLease(await open(), 'bot', { ttlMs: 600, holderId: 'successor' });
    expect(successor.holderId).toBe('successor');
  });
});
