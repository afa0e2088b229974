import { fileURLToPath } from 'node:url';
import type { StdioServerConfig } from '../../../src/tools/mcpConfig.js';

export { startTestMcpHttpServer, type TestMcpHttpServer } from './httpServer.js';
export { createTestMcpServer, type TestServerOptions } from './testServer.js';

const SERVE = fileURLToPath(new URL('./serve.ts', import.meta.url));
const EVERYTHING = fileURLToPath(
  new URL('../../../node_modules/@modelcontextprotocol/server-everything/dist/index.js', import.meta.url),
);

/** Our test server as a stdio child process (through tsx, with this Node). */
export function testServerStdio(
  options: { pageSize?: number; extraTools?: number; env?: Record<string, string> } = {},
): StdioServerConfig {
  const args = ['--import', 'tsx', SERVE, 'stdio', String(options.pageSize ?? 0), String(options.extraTools ?? 0)];
  return { kind: 'stdio', command: process.execPath, args, env: options.env };
}

/** `@modelcontextprotocol/server-everything` over stdio. */
export function everythingServerStdio(): StdioServerConfig {
  return { kind: 'stdio', command: process.execPath, args: [EVERYTHING, 'stdio'] };
}
