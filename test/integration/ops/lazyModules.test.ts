import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = new URL('../../../', import.meta.url).pathname;

// A module-resolution hook (its own thread) that prints every package the import graph resolves.
const HOOK = `export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  const match = /node_modules\\/((?:@[^/]+\\/)?[^/]+)\\//.exec(result.url);
  if (match) process.stderr.write('PKG ' + match[1] + '\\n');
  return result;
}`;

/** The packages importing `entries` loads, in a fresh process (through tsx, as the sources are TypeScript). */
async function packagesLoadedBy(entries: string[]): Promise<Set<string>> {
  const imports = entries.map((entry) => `await import(${JSON.stringify(new URL(entry, `file://${ROOT}`).href)});`);
  const script = `import { register } from 'node:module';
register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(HOOK)}));
${imports.join('\n')}`;
  const { stderr } = await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: ROOT,
    timeout: 60_000,
    env: { PATH: process.env.PATH ?? '' },
  });
  return new Set([...stderr.matchAll(/^PKG (\S+)$/gm)].map((m) => m[1]!));
}

describe('what the bot loads at start (B6: RSS)', () => {
  it('loads the optional parts only when configured: no sharp, prom-client, ioredis, MCP SDK or ajv', async () => {
    // main.ts itself would start a bot; these are everything it imports.
    const loaded = await packagesLoadedBy(['src/app.ts', 'src/shardManager.ts', 'src/config/config.ts']);
    // The probe itself works: the parts every bot needs are seen.
    expect(loaded).toContain('discord.js');
    expect(loaded).toContain('openai');
    // ~40 MB RSS together; each is imported where it is first needed (first image, METRICS_PORT, REDIS_URL,
    // MCP_CONFIG), so a bot without them never pays for them.
    for (const optional of ['sharp', 'prom-client', 'ioredis', '@modelcontextprotocol/sdk', 'ajv']) {
      expect(loaded, optional).not.toContain(optional);
    }
  }, 90_000);
});
