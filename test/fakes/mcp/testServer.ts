/**
 * Our own small MCP server, built with the SDK's McpServer: echo, a slow tool, a failing tool, a tool with a
 * strict schema, a big result, an image, and `stats` (how many calls each tool really received, and the pid),
 * so tests can prove what reached the server. `pageSize` makes tools/list paginate with `nextCursor`.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { ListToolsRequestSchema, type Tool } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';

export interface TestServerOptions {
  /** tools/list answers this many tools per page (0 = all at once, McpServer's own handler). */
  pageSize?: number;
  /** Register `extra_1` … `extra_N` too (to fill several pages). */
  extraTools?: number;
}

type Shape = Record<string, z.ZodType>;
interface TestTool {
  name: string;
  description: string;
  shape: Shape;
  run(
    args: Record<string, unknown>,
    signal: AbortSignal,
  ): Promise<{ text: string; isError?: boolean; image?: boolean }>;
}

const TINY_PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';

export function createTestMcpServer(options: TestServerOptions = {}): McpServer {
  const calls: Record<string, number> = {};
  const tools: TestTool[] = [
    {
      name: 'echo',
      description: 'Echoes the text.',
      shape: { text: z.string() },
      run: async (a) => ({ text: `echo: ${String(a.text)}` }),
    },
    {
      name: 'slow',
      description: 'Answers after `ms` milliseconds.',
      shape: { ms: z.number().int().min(0).max(60_000) },
      run: async (a, signal) => {
        await sleep(Number(a.ms), undefined, { signal });
        return { text: `slept ${String(a.ms)} ms` };
      },
    },
    {
      name: 'fail',
      description: 'Always reports an error.',
      shape: {},
      run: async () => ({ text: 'the database is on fire', isError: true }),
    },
    {
      name: 'strict',
      description: 'Needs a count from 1 to 10 and a mode.',
      shape: { count: z.number().int().min(1).max(10), mode: z.enum(['fast', 'careful']) },
      run: async (a) => ({ text: `strict ok: ${String(a.count)} ${String(a.mode)}` }),
    },
    {
      name: 'big',
      description: 'Returns `chars` characters.',
      shape: { chars: z.number().int().min(0).max(1_000_000) },
      run: async (a) => ({ text: 'x'.repeat(Number(a.chars)) }),
    },
    {
      name: 'picture',
      description: 'Returns a tiny image.',
      shape: {},
      run: async () => ({ text: 'a picture:', image: true }),
    },
    {
      name: 'stats',
      description: 'Calls received per tool, and the pid.',
      shape: {},
      run: async () => ({ text: JSON.stringify({ pid: process.pid, calls }) }),
    },
  ];
  for (let i = 1; i <= (options.extraTools ?? 0); i++) {
    tools.push({
      name: `extra_${i}`,
      description: `Extra tool ${i}.`,
      shape: {},
      run: async () => ({ text: `extra ${i}` }),
    });
  }

  const server = new McpServer({ name: 'bot-test-server', version: '1.0.0' });
  for (const tool of tools) {
    server.registerTool(tool.name, { description: tool.description, inputSchema: tool.shape }, async (args, extra) => {
      calls[tool.name] = (calls[tool.name] ?? 0) + 1;
      const out = await tool.run(args as Record<string, unknown>, extra.signal);
      const content: ({ type: 'text'; text: string } | { type: 'image'; data: string; mimeType: string })[] = [
        { type: 'text', text: out.text },
      ];
      if (out.image) content.push({ type: 'image', data: TINY_PNG, mimeType: 'image/png' });
      return { content, isError: out.isError };
    });
  }
  if (options.pageSize) paginate(server, tools, options.pageSize);
  return server;
}

/** Replace McpServer's single-page tools/list with one that pages by `pageSize` (cursor = next offset). */
function paginate(server: McpServer, tools: TestTool[], pageSize: number): void {
  const listed: Tool[] = tools.map((tool) => ({
    name: tool.name,
    description: tool.description,
    inputSchema: z.toJSONSchema(z.object(tool.shape)) as Tool['inputSchema'],
  }));
  server.server.removeRequestHandler('tools/list');
  server.server.setRequestHandler(ListToolsRequestSchema, (request) => {
    const start = Number(request.params?.cursor ?? 0);
    const next = start + pageSize;
    return { tools: listed.slice(start, next), ...(next < listed.length ? { nextCursor: String(next) } : {}) };
  });
}
