import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import type { FakeDiscord } from '../../fakes/discord/index.js';
import type { FakeOpenAI } from '../../fakes/openai/index.js';

const SCRIPT = fileURLToPath(new URL('./botProcess.ts', import.meta.url));
const READY_TIMEOUT_MS = 30_000;

/** The environment a bot needs to run against the fakes on loopback with a given SQLite database. */
export function botEnv(
  discord: FakeDiscord,
  openai: FakeOpenAI,
  databaseUrl: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    DISCORD_TOKEN: discord.botToken,
    DISCORD_API_BASE: discord.apiUrl,
    DISCORD_GUILD_ID: discord.ids.guildId,
    OPENAI_API_KEY: 'sk-test-e2e-not-a-real-key',
    OPENAI_BASE_URL: openai.url,
    DATABASE_URL: databaseUrl,
    EDIT_INTERVAL_MS: '250',
    // A killed child's lease must not hold its successor back for long.
    LEASE_TTL_MS: '1500',
    USER_MESSAGES_PER_MINUTE: '0',
    OPENAI_TIMEOUT_MS: '5000',
    OPENAI_STALL_TIMEOUT_MS: '2000',
    LOG_LEVEL: 'silent',
    // As in the harness: a title call would be one more model request in every count.
    THREAD_TITLES: 'false',
    ...extra,
  };
}

export interface BotProcess {
  readonly child: ChildProcess;
  /** SIGKILL (no shutdown code runs) and wait until the process is gone. Safe to call twice. */
  kill(): Promise<void>;
}

/** Start the real bot in a child process (node --import tsx) and wait until it is ready. */
export async function spawnBot(env: Record<string, string>): Promise<BotProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', SCRIPT], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = once(child, 'exit');
  const kill = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  };
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4_000);
  });
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`bot process not ready in time: ${stderr}`)), READY_TIMEOUT_MS);
    child.stdout?.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('ready')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`bot process exited (${code}) before ready: ${stderr}`));
    });
  });
  try {
    await ready;
  } catch (error) {
    await kill();
    throw error;
  }
  return { child, kill };
}
