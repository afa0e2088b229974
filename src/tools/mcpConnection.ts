/**
 * One MCP server: its client, transport and (for stdio) child process. A connection that drops is not
 * reconnected in the background; the next call tries once, and failed attempts back off so a dead server costs
 * at most one connect timeout per backoff period instead of one per tool call.
 */
import type { Readable } from 'node:stream';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { ErrorCode, McpError, type CallToolResult, type Tool } from '@modelcontextprotocol/sdk/types.js';
import type { Logger } from '../log.js';
import type { McpServerConfig } from './mcpConfig.js';

export type ConnectionState = 'connecting' | 'connected' | 'disconnected' | 'closed';

export type CallAttempt =
  | { kind: 'result'; result: CallToolResult }
  | { kind: 'timeout' }
  | { kind: 'aborted' }
  | { kind: 'unavailable' }
  | { kind: 'protocol_error'; message: string };

export interface ReconnectPolicy {
  /** Wait after the first failed reconnect before the next use may try again; doubles per failure. */
  initialBackoffMs: number;
  maxBackoffMs: number;
}

export interface McpConnectionOptions {
  name: string;
  config: McpServerConfig;
  connectTimeoutMs: number;
  reconnect: ReconnectPolicy;
  logger: Logger;
  onStateChange?(server: string, state: ConnectionState): void;
}

const CLIENT_INFO = { name: 'discord-thread-chatbot', version: '0.1.0' };
/** tools/list pages followed per server; a server paging forever is cut off here. */
const MAX_TOOL_PAGES = 20;
const MAX_STDERR_LINE = 300;

export class McpConnection {
  private client: Client | undefined;
  private transport: Transport | undefined;
  private pending: Promise<boolean> | undefined;
  private failures = 0;
  private retryAt = 0;
  private current: ConnectionState = 'disconnected';

  constructor(private readonly options: McpConnectionOptions) {}

  get state(): ConnectionState {
    return this.current;
  }

  /** The child's pid (stdio servers while connected). */
  get pid(): number | undefined {
    return this.transport instanceof StdioClientTransport ? (this.transport.pid ?? undefined) : undefined;
  }

  /** Connect (initialize handshake bounded by the connect timeout); throws and cleans up on failure. */
  async connect(): Promise<void> {
    this.setState('connecting');
    const transport = this.createTransport();
    const client = new Client(CLIENT_INFO, { capabilities: {} });
    client.onclose = () => {
      if (this.client !== client) return;
      this.client = undefined;
      this.transport = undefined;
      if (this.current !== 'closed') this.setState('disconnected');
    };
    client.onerror = (error) => this.options.logger.debug({ server: this.options.name, err: error.message }, 'MCP');
    this.client = client;
    this.transport = transport;
    try {
      await client.connect(transport, { timeout: this.options.connectTimeoutMs });
    } catch (error) {
      this.client = undefined;
      this.transport = undefined;
      await client.close().catch(() => undefined);
      if (this.current !== 'closed') this.setState('disconnected');
      throw error;
    }
    if (this.current === 'closed') {
      // close() ran while we were connecting: do not leave a child behind.
      this.client = undefined;
      this.transport = undefined;
      await client.close().catch(() => undefined);
      throw new Error('connection closed while connecting');
    }
    this.failures = 0;
    this.setState('connected');
  }

  /** Every tool, following `nextCursor` (bounded), each page within the connect timeout. */
  async listTools(): Promise<Tool[]> {
    const client = this.client;
    if (!client) throw new Error('not connected');
    const tools: Tool[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < MAX_TOOL_PAGES; page++) {
      const result = await client.listTools(cursor === undefined ? undefined : { cursor }, {
        timeout: this.options.connectTimeoutMs,
      });
      tools.push(...result.tools);
      cursor = result.nextCursor;
      if (!cursor) return tools;
    }
    this.options.logger.warn({ server: this.options.name, pages: MAX_TOOL_PAGES }, 'MCP tool list cut off');
    return tools;
  }

  /** Call a tool; never throws. A dropped connection is reconnected first when the backoff allows. */
  async call(
    tool: string,
    args: Record<string, unknown>,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<CallAttempt> {
    if (signal?.aborted) return { kind: 'aborted' };
    if (!(await this.ensureConnected())) return { kind: 'unavailable' };
    const client = this.client;
    if (!client) return { kind: 'unavailable' };
    try {
      const result = (await client.callTool({ name: tool, arguments: args }, undefined, {
        timeout: timeoutMs,
        signal,
      })) as CallToolResult;
      return { kind: 'result', result };
    } catch (error) {
      if (signal?.aborted) return { kind: 'aborted' };
      if (error instanceof McpError && error.code === ErrorCode.RequestTimeout) return { kind: 'timeout' };
      if (error instanceof McpError && error.code !== ErrorCode.ConnectionClosed) {
        return { kind: 'protocol_error', message: error.message };
      }
      // Transport-level failure (closed pipe, refused socket, lost HTTP session): start afresh next time.
      this.options.logger.warn({ server: this.options.name, err: errorSummary(error) }, 'MCP connection lost');
      await this.drop();
      return { kind: 'unavailable' };
    }
  }

  async close(): Promise<void> {
    this.setState('closed');
    await this.pending?.catch(() => undefined);
    const client = this.client;
    this.client = undefined;
    this.transport = undefined;
    await client?.close().catch(() => undefined);
  }

  private async ensureConnected(): Promise<boolean> {
    if (this.current === 'connected' && this.client) return true;
    if (this.current === 'closed') return false;
    if (!this.pending) {
      if (Date.now() < this.retryAt) return false;
      this.pending = this.reconnect().finally(() => {
        this.pending = undefined;
      });
    }
    return this.pending;
  }

  private async reconnect(): Promise<boolean> {
    const { name, reconnect, logger } = this.options;
    try {
      await this.connect();
      logger.info({ server: name }, 'MCP server reconnected');
      return true;
    } catch (error) {
      const backoff = Math.min(reconnect.initialBackoffMs * 2 ** this.failures, reconnect.maxBackoffMs);
      this.failures++;
      this.retryAt = Date.now() + backoff;
      logger.warn({ server: name, err: errorSummary(error), retryInMs: backoff }, 'MCP reconnect failed');
      return false;
    }
  }

  private async drop(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    this.transport = undefined;
    if (this.current !== 'closed') this.setState('disconnected');
    await client?.close().catch(() => undefined);
  }

  private setState(state: ConnectionState): void {
    if (this.current === state) return;
    this.current = state;
    this.options.onStateChange?.(this.options.name, state);
  }

  private createTransport(): Transport {
    const { config } = this.options;
    if (config.kind === 'http') {
      return new StreamableHTTPClientTransport(new URL(config.url), { requestInit: { headers: config.headers } });
    }
    // The SDK gives the child only a safe default environment (PATH, HOME, ...) plus `env`: never our secrets.
    const transport = new StdioClientTransport({
      command: config.command,
      args: config.args,
      env: config.env,
      cwd: config.cwd,
      stderr: 'pipe',
    });
    this.forwardStderr(transport.stderr as Readable | null);
    return transport;
  }

  /** Drain the child's stderr (a full pipe would block it) into debug logs, line by line and bounded. */
  private forwardStderr(stream: Readable | null): void {
    if (!stream) return;
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      for (const line of chunk.split('\n')) {
        if (line.trim() === '') continue;
        this.options.logger.debug({ server: this.options.name, stderr: line.slice(0, MAX_STDERR_LINE) }, 'MCP stderr');
      }
    });
  }
}

/** A failure's name and first line, bounded: enough to diagnose, too short to carry a payload. */
export function errorSummary(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return (text.split('\n')[0] ?? '').slice(0, 200);
}
