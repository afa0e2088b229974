/**
 * The real redis-server and PostgreSQL the scale-out tests use, started by scripts/start-test-services.sh (which
 * installs them when missing and is safe to run from several test files at once). Nothing is skipped: if they cannot
 * be started, the script's output becomes the test failure. They are shared by every test process and left running
 * (scripts/stop-test-services.sh stops them), so concurrent test files never pull a server from under each other.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const SCRIPT = join(import.meta.dirname, '../../scripts/start-test-services.sh');
const START_TIMEOUT_MS = 240_000;

export interface TestServices {
  redisUrl: string;
  postgresUrl: string;
}

export async function ensureTestServices(): Promise<TestServices> {
  const dir = process.env.TEST_SERVICES_DIR ?? '/tmp/bot-test-services';
  try {
    await run('bash', [SCRIPT], { timeout: START_TIMEOUT_MS, env: { ...process.env, TEST_SERVICES_DIR: dir } });
  } catch (error) {
    const detail = error as { stderr?: string; message: string };
    throw new Error(`could not start redis-server/PostgreSQL for the tests: ${detail.stderr || detail.message}`);
  }
  const env = Object.fromEntries(
    readFileSync(join(dir, 'env'), 'utf8')
      .split('\n')
      .filter((line) => line.includes('='))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
  const redisUrl = env.TEST_REDIS_URL;
  const postgresUrl = env.TEST_DATABASE_URL_PG;
  if (!redisUrl || !postgresUrl) throw new Error(`${join(dir, 'env')} lacks TEST_REDIS_URL or TEST_DATABASE_URL_PG`);
  return { redisUrl, postgresUrl };
}
