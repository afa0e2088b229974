/**
 * Run the test MCP server as its own process: `node --import tsx serve.ts stdio|http [pageSize] [extraTools]`.
 * With FAIL_IF_EXISTS=<path> set it exits at once while that file exists (a server that cannot start).
 * http mode prints its URL on stdout.
 */
import { existsSync } from 'node:fs';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { startTestMcpHttpServer } from './httpServer.js';
import { createTestMcpServer } from './testServer.js';

const [mode = 'stdio', pageSize = '0', extraTools = '0'] = process.argv.slice(2);
const failFlag = process.env.FAIL_IF_EXISTS;
if (failFlag && existsSync(failFlag)) {
  process.stderr.write('test server refusing to start\n');
  process.exit(3);
}
const options = { pageSize: Number(pageSize), extraTools: Number(extraTools) };
if (mode === 'http') {
  const server = await startTestMcpHttpServer(options);
  process.stdout.write(`${server.url}\n`);
} else {
  await createTestMcpServer(options).connect(new StdioServerTransport());
}
