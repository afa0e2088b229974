import { describe, expect, it } from 'vitest';
import { KeyedQueue } from '../../src/util/keyedQueue.js';

const tick = () => new Promise<void>((r) => setImmediate(r));

describe('KeyedQueue', () => {
  it('runs one task at a time per key, in submission order, even when earlier tasks are slower', async () => {
    const q = new KeyedQueue();
    const log: string[] = [];
    let running = 0;
    let maxRunning = 0;
    const task = (name: string, ticks: number) => async () => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      log.push(`start ${name}`);
      for (let i = 0; i < ticks; i++) await tick();
      log.push(`end ${name}`);
      running--;
      return name;
    };
    const results = await Promise.all([
      q.run('t1', task('a', 5)),
      q.run('t1', task('b', 1)),
      q.run('t1', task('c', 3)),
    ]);
    expect(results).toEqual(['a', 'b', 'c']);
    expect(log).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
    expect(maxRunning).toBe(1);
  });

  it('runs different keys concurrently', async () => {
    const q = new KeyedQueue();
    let running = 0;
    let maxRunning = 0;
    const task = async () => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      for (let i = 0; i < 3; i++) await tick();
      running--;
    };
    await Promise.all([q.run('a', task), q.run('b', task), q.run('c', task)]);
    expect(maxRunning).toBe(3);
  });

  it('keeps going after a failed task and reports the failure to its caller only', async () => {
    const q = new KeyedQueue();
    const failing = q.run('k', async () => {
      throw new Error('boom');
    });
    const next = q.run('k', async () => 'ok');
    await expect(failing).rejects.toThrow('boom');
    await expect(next).resolves.toBe('ok');
    await q.idle();
    expect(q.activeKeys).toBe(0);
    expect(q.depth('k')).toBe(0);
  });

  it('reports depth while tasks wait', async () => {
    const q = new KeyedQueue();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const first = q.run('k', () => gate);
    const second = q.run('k', async () => undefined);
    expect(q.depth('k')).toBe(2);
    release();
    await Promise.all([first, second]);
    expect(q.depth('k')).toBe(0);
  });
});
