/** Runs a worker script (TypeScript, through tsx) as a child process and talks to it line by line. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

const LINE_TIMEOUT_MS = 20_000;

export interface Worker {
  readonly child: ChildProcess;
  /** The next stdout line (rejects if the worker exits or stays silent too long). */
  nextLine(): Promise<string>;
  send(line: string): void;
  stop(): Promise<void>;
}

export function spawnWorker(script: string, env: Record<string, string>): Worker {
  return spawnWorkerWithArgs(script, [], env);
}

export function spawnWorkerWithArgs(script: string, args: string[], env: Record<string, string> = {}): Worker {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const queue: string[] = [];
  const waiters: Array<(line: string) => void> = [];
  createInterface({ input: child.stdout! }).on('line', (line) => {
    const waiter = waiters.shift();
    if (waiter) waiter(line);
    else queue.push(line);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    child,
    nextLine: () => {
      const ready = queue.shift();
      if (ready !== undefined) return Promise.resolve(ready);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`worker silent; stderr: ${stderr}`)), LINE_TIMEOUT_MS);
        void exited.then(() => {
          clearTimeout(timer);
          reject(new Error(`worker exited (${child.exitCode}); stderr: ${stderr}`));
        });
        waiters.push((line) => {
          clearTimeout(timer);
          resolve(line);
        });
      });
    },
    send: (line) => child.stdin?.write(`${line}\n`),
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
