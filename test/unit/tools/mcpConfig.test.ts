import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/config/config.js';
import { loadMcpConfig, parseMcpConfig } from '../../../src/tools/mcpConfig.js';
import { makeTempDir } from '../../helpers/tempDir.js';

const problem = (text: string): string => {
  try {
    parseMcpConfig(text, 'mcp.json');
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    const { problems } = error as ConfigError;
    expect(problems).toHaveLength(1);
    return problems[0] ?? '';
  }
  throw new Error('expected a ConfigError');
};

describe('MCP_CONFIG', () => {
  const temp = makeTempDir('mcp-config-');
  afterAll(() => temp.remove());

  it('reads stdio and Streamable HTTP servers in the common mcpServers format', () => {
    const path = join(temp.dir, 'mcp.json');
    writeFileSync(
      path,
      JSON.stringify({
        mcpServers: {
          files: { command: 'npx', args: ['-y', 'server-files'], env: { ROOT: '/srv' }, cwd: '/tmp', disabled: false },
          web: { type: 'http', url: 'https://mcp.example.com/mcp', headers: { authorization: 'Bearer x' } },
          bare: { command: 'server' },
        },
      }),
    );
    expect(loadMcpConfig(path)).toEqual({
      files: { kind: 'stdio', command: 'npx', args: ['-y', 'server-files'], env: { ROOT: '/srv' }, cwd: '/tmp' },
      web: { kind: 'http', url: 'https://mcp.example.com/mcp', headers: { authorization: 'Bearer x' } },
      bare: { kind: 'stdio', command: 'server', args: [], env: undefined, cwd: undefined },
    });
    expect(loadMcpConfig(undefined)).toEqual({});
  });

  it('explains a bad file in one line that names the entry and field', () => {
    expect(problem('{nope')).toBe('MCP_CONFIG: mcp.json is not valid JSON');
    expect(problem('{}')).toMatch(/^MCP_CONFIG: mcpServers: /);
    expect(problem('{"mcpServers":{"a":{"url":"https://x","command":"y"}}}')).toMatch(
      /mcpServers\.a: needs exactly one/,
    );
    expect(problem('{"mcpServers":{"a":{"url":"ftp://x"}}}')).toBe(
      'MCP_CONFIG: mcpServers.a.url: must be an http:// or https:// URL',
    );
    expect(problem('{"mcpServers":{"a":{"url":"https://x","type":"sse"}}}')).toMatch(/SSE is not supported/);
    expect(problem('{"mcpServers":{"a":{"command":""}}}')).toMatch(/mcpServers\.a\.command: must not be empty/);
    expect(() => loadMcpConfig(join(temp.dir, 'missing.json'))).toThrow(/cannot read .*missing\.json \(ENOENT\)/);
  });

  it('never echoes header or env values', () => {
    const secret = 'sk-live-very-secret-value';
    const texts = [
      `{"mcpServers":{"a":{"url":"https://x","headers":{"authorization":["${secret}"]}}}}`,
      `{"mcpServers":{"a":{"url":"https://x","headers":{"authorization":"${secret}","n":5}}}}`,
      `{"mcpServers":{"a":{"command":"x","env":{"TOKEN":["${secret}"]}}}}`,
      `{"mcpServers":{"a":{"url":"${secret}"}}}`,
    ];
    for (const text of texts) {
      const line = problem(text);
      expect(line).toMatch(/^MCP_CONFIG: mcpServers\.a\./);
      expect(line).not.toContain(secret);
    }
  });
});
