import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { makeTempDir } from '../../helpers/tempDir.js';

const run = promisify(execFile);
const ROOT = new URL('../../../', import.meta.url).pathname;

describe('compiled start (npm run build → node dist/src/main.js)', () => {
  const temp = makeTempDir('ops-build-');
  // Inside the repo, so the compiled files resolve node_modules the way dist/ does.
  const out = mkdtempSync(`${ROOT}.test-build-`);
  afterAll(() => {
    temp.remove();
    rmSync(out, { recursive: true, force: true });
  });

  it('tsc output runs under plain node and reports missing settings, exit 1', async () => {
    await run(
      process.execPath,
      [`${ROOT}node_modules/typescript/bin/tsc`, '-p', `${ROOT}tsconfig.build.json`, '--outDir', out],
      { cwd: ROOT, timeout: 60_000 },
    );
    // An empty cwd (no .env) and no bot variables: the config check must speak, not a module-resolution error.
    const result = await run(process.execPath, [`${out}/src/main.js`], {
      cwd: temp.dir,
      timeout: 20_000,
      env: { PATH: process.env.PATH ?? '' },
    }).then(
      () => ({ code: 0, stderr: '' }),
      (error: { code: number; stderr: string }) => error,
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('DISCORD_TOKEN: is required');
    expect(result.stderr).not.toMatch(/ERR_MODULE_NOT_FOUND|ERR_UNKNOWN_FILE_EXTENSION/);
  }, 90_000);
});
