/**
 * Runs the real `src/main.ts` as a child process the way `npm run dev` does (through tsx), so DISCORD_SHARDS > 1
 * makes it discord.js's ShardingManager, whose shard processes inherit its loader and its stdout. Collects the pino
 * log lines of all of them.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../../../src/main.ts', import.meta.url));
const TSX = import.meta.resolve('tsx');

export interface LogLine {
  msg?: string;
  level?: number;
  [field: string]: unknown;
}

export interface ManagerProcess {
  readonly child: ChildProcess;
  readonly lines: LogLine[];
  /** Plain (non-JSON) output lines, e.g. config errors. */
  readonly text: string[];
  /** Resolve with the first log line matching, or reject after `timeoutMs` or when the process exits first. */
  waitForLine(match: (line: LogLine) => boolean, timeoutMs: number): Promise<LogLine>;
  readonly exited: Promise<number | null>;
  /** SIGKILL the manager (its shards die with it when their IPC channel closes). */
  kill(): Promise<void>;
}

export function spawnManager(env: Record<string, string>, cwd: string): ManagerProcess {
  const child = spawn(process.execPath, ['--import', TSX, MAIN], {
    cwd,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  const lines: LogLine[] = [];
  const text: string[] = [];
  const listeners = new Set<() => void>();
  const take = (raw: string) => {
    try {
      lines.push(JSON.parse(raw) as LogLine);
    } catch {
      text.push(raw);
    }
    for (const listener of listeners) listener();
  };
  createInterface({ input: child.stdout! }).on('line', take);
  createInterface({ input: child.stderr! }).on('line', take);

  const waitForLine = (match: (line: LogLine) => boolean, timeoutMs: number) =>
    new Promise<LogLine>((resolve, reject) => {
      const check = () => {
        const found = lines.find(match);
        if (!found) return;
        done();
        resolve(found);
      };
      const timer = setTimeout(() => {
        done();
        reject(
          new Error(
            `no such log line in ${timeoutMs} ms; output: ${[...text, ...lines.map((l) => l.msg)].join(' | ')}`,
          ),
        );
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        listeners.delete(check);
      };
      void exited.then((code) => {
        if (!listeners.has(check)) return;
        done();
        reject(
          new Error(`manager exited (${code}) first; output: ${[...text, ...lines.map((l) => l.msg)].join(' | ')}`),
        );
      });
      listeners.add(check);
      check();
    });

  return {
    child,
    lines,
    text,
    waitForLine,
    exited,
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}
