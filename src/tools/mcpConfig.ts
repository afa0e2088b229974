/**
 * MCP_CONFIG: the `mcpServers` file shared by Claude Desktop, VS Code and js-llmcord. Each entry is a stdio server
 * (`command`, `args`, `env`, `cwd`) or a Streamable HTTP server (`url`, `headers`). Problems are reported as one
 * ConfigError line naming the entry and field, never a value: `env` and `headers` often carry secrets.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ConfigError } from '../config/config.js';

export interface StdioServerConfig {
  kind: 'stdio';
  command: string;
  args: string[];
  env?: Record<string, string>;
  cwd?: string;
}

export interface HttpServerConfig {
  kind: 'http';
  url: string;
  headers?: Record<string, string>;
}

export type McpServerConfig = StdioServerConfig | HttpServerConfig;
export type McpServersConfig = Record<string, McpServerConfig>;

const KEY = 'MCP_CONFIG';
const nonEmpty = z.string().trim().min(1, 'must not be empty');
const stringMap = z.record(z.string(), z.string());

// Unknown keys (`disabled`, `description`, ...) are tolerated so files from other hosts load unchanged.
const stdioSchema = z.object({
  type: z.literal('stdio').optional(),
  command: nonEmpty,
  args: z.array(z.string()).default([]),
  env: stringMap.optional(),
  cwd: nonEmpty.optional(),
});

const httpSchema = z.object({
  type: z
    .enum(['http', 'streamable-http', 'streamableHttp'], { error: 'must be "http" (SSE is not supported)' })
    .optional(),
  url: z
    .string()
    .refine(
      (v) => URL.canParse(v) && ['http:', 'https:'].includes(new URL(v).protocol),
      'must be an http:// or https:// URL',
    ),
  headers: stringMap.optional(),
});

const fileSchema = z.object({
  mcpServers: z.record(z.string().regex(/^\S+$/, 'server names must not be empty or contain spaces'), z.unknown()),
});

function firstIssue(error: z.ZodError, prefix: string): string {
  const issue = error.issues[0];
  const path = [prefix, ...(issue?.path ?? []).map(String)].filter((part) => part !== '').join('.') || 'file';
  // zod's messages name types and rules ("expected string, received number"), never the input itself.
  return `${KEY}: ${path}: ${issue?.message ?? 'is invalid'}`;
}

function parseServer(name: string, raw: unknown): McpServerConfig {
  const where = `mcpServers.${name}`;
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ConfigError([`${KEY}: ${where}: must be an object with "command" or "url"`]);
  }
  const hasUrl = 'url' in raw;
  if (hasUrl === 'command' in raw) {
    throw new ConfigError([`${KEY}: ${where}: needs exactly one of "command" (stdio) or "url" (Streamable HTTP)`]);
  }
  if (hasUrl) {
    const parsed = httpSchema.safeParse(raw);
    if (!parsed.success) throw new ConfigError([firstIssue(parsed.error, where)]);
    return { kind: 'http', url: parsed.data.url, headers: parsed.data.headers };
  }
  const parsed = stdioSchema.safeParse(raw);
  if (!parsed.success) throw new ConfigError([firstIssue(parsed.error, where)]);
  const { command, args, env, cwd } = parsed.data;
  return { kind: 'stdio', command, args, env, cwd };
}

/** Parse the file's text; `source` names it in messages. Throws ConfigError with one line. */
export function parseMcpConfig(text: string, source: string): McpServersConfig {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ConfigError([`${KEY}: ${source} is not valid JSON`]);
  }
  const file = fileSchema.safeParse(json);
  if (!file.success) throw new ConfigError([firstIssue(file.error, '')]);
  const servers: McpServersConfig = {};
  for (const [name, raw] of Object.entries(file.data.mcpServers)) servers[name] = parseServer(name, raw);
  return servers;
}

/** Read MCP_CONFIG's file; no path means no servers. */
export function loadMcpConfig(path: string | undefined): McpServersConfig {
  if (path === undefined || path.trim() === '') return {};
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new ConfigError([`${KEY}: cannot read ${path} (${code})`]);
  }
  return parseMcpConfig(text, path);
}
