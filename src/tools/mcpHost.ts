/**
 * The bot's MCP host: connects every configured server at start (in parallel, each bounded), offers their
 * tools to the model under sanitised unique names, and runs calls with schema checks, timeouts and truncation.
 * A server that fails at start is logged and left out; one that dies later keeps its tools on offer (a stable
 * request prefix) and answers with an "unavailable" error result until a reconnect succeeds.
 */
import type { ChatCompletionFunctionTool } from 'openai/resources/chat/completions';
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import type { Logger } from '../log.js';
import { compileArgsValidator, schemaForModel, type ArgsValidator } from './argsValidator.js';
import type { McpServersConfig } from './mcpConfig.js';
import { errorSummary, McpConnection, type ConnectionState, type ReconnectPolicy } from './mcpConnection.js';
import { callTool, type OfferedTool } from './callTool.js';
import { assignToolNames, type ToolRef } from './toolNames.js';
import { modelFacingErrors, type ToolCallOutcome } from './toolOutcome.js';

export const DEFAULT_TOOL_TIMEOUT_MS = 20_000;
export const DEFAULT_MAX_TOOL_RESULT_CHARS = 20_000;
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
/** OpenAI accepts at most 128 tools per request. */
export const MAX_TOOLS = 128;
const DEFAULT_RECONNECT: ReconnectPolicy = { initialBackoffMs: 1_000, maxBackoffMs: 60_000 };

export interface McpHostOptions {
  servers: McpServersConfig;
  logger: Logger;
  connectTimeoutMs?: number;
  toolTimeoutMs?: number;
  maxResultChars?: number;
  reconnect?: ReconnectPolicy;
  onServerState?(server: string, state: ConnectionState): void;
}

export interface ServerStatus {
  name: string;
  state: ConnectionState;
  tools: string[];
  pid?: number;
}

export interface ToolExecutor {
  /** The MCP server and tool behind a function name offered to the model. */
  describe(name: string): ToolRef | undefined;
  /** Never throws: every failure is an outcome with `ok: false` and a text for the model. */
  call(name: string, rawArguments: string, signal?: AbortSignal): Promise<ToolCallOutcome>;
}

export interface McpHost extends ToolExecutor {
  /** Function definitions in name order (a stable prefix for the prompt cache). */
  definitions(): ChatCompletionFunctionTool[];
  servers(): ServerStatus[];
  /** Closes every client and stops every child process. */
  close(): Promise<void>;
}

interface ReadyServer {
  connection: McpConnection;
  tools: Tool[];
}

async function startServer(name: string, options: McpHostOptions, connectTimeoutMs: number) {
  const connection = new McpConnection({
    name,
    config: options.servers[name]!,
    connectTimeoutMs,
    reconnect: options.reconnect ?? DEFAULT_RECONNECT,
    logger: options.logger,
    onStateChange: options.onServerState,
  });
  const started = Date.now();
  try {
    await connection.connect();
    const tools = await connection.listTools();
    const names = tools.map((tool) => tool.name);
    options.logger.info({ server: name, tools: names, durationMs: Date.now() - started }, 'MCP server ready');
    return { connection, tools };
  } catch (error) {
    options.logger.warn({ server: name, err: errorSummary(error) }, 'MCP server left out');
    await connection.close();
    return undefined;
  }
}

function offerTools(ready: Map<string, ReadyServer>, logger: Logger): Map<string, OfferedTool> {
  const byRef = new Map<string, { tool: Tool; connection: McpConnection; validate: ArgsValidator }>();
  for (const [server, { connection, tools }] of ready) {
    for (const tool of tools) {
      try {
        const validate = compileArgsValidator(tool.inputSchema);
        byRef.set(`${server}\0${tool.name}`, { tool, connection, validate });
      } catch (error) {
        logger.warn({ server, tool: tool.name, err: errorSummary(error) }, 'MCP tool left out: bad input schema');
      }
    }
  }
  const names = assignToolNames(
    [...byRef.keys()].map((key) => {
      const [server = '', tool = ''] = key.split('\0');
      return { server, tool };
    }),
  );
  const offered = new Map<string, OfferedTool>();
  for (const [name, ref] of names) {
    if (offered.size >= MAX_TOOLS) {
      logger.warn({ server: ref.server, tool: ref.tool, max: MAX_TOOLS }, 'MCP tool left out: too many tools');
      continue;
    }
    const entry = byRef.get(`${ref.server}\0${ref.tool}`)!;
    const description = entry.tool.description ?? entry.tool.title;
    const definition: ChatCompletionFunctionTool = {
      type: 'function',
      function: {
        name,
        ...(description ? { description } : {}),
        parameters: schemaForModel(entry.tool.inputSchema),
      },
    };
    offered.set(name, { ref, definition, validate: entry.validate, connection: entry.connection });
  }
  return offered;
}

export async function startMcpHost(options: McpHostOptions): Promise<McpHost> {
  const connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const limits = {
    timeoutMs: options.toolTimeoutMs ?? DEFAULT_TOOL_TIMEOUT_MS,
    maxResultChars: options.maxResultChars ?? DEFAULT_MAX_TOOL_RESULT_CHARS,
  };
  const names = Object.keys(options.servers).sort();
  const started = await Promise.all(names.map((name) => startServer(name, options, connectTimeoutMs)));
  const ready = new Map<string, ReadyServer>();
  started.forEach((server, i) => {
    if (server) ready.set(names[i]!, server);
  });
  const offered = offerTools(ready, options.logger);
  const definitions = [...offered.values()].map((tool) => tool.definition);

  return {
    definitions: () => definitions.map((d) => ({ ...d, function: { ...d.function } })),
    describe: (name) => offered.get(name)?.ref,
    call: async (name, rawArguments, signal) => {
      const tool = offered.get(name);
      if (!tool)
        return { kind: 'unknown_tool', ok: false, content: modelFacingErrors.unknownTool(name), durationMs: 0 };
      const outcome = await callTool(tool, rawArguments, limits, signal);
      const { server, tool: toolName } = tool.ref;
      options.logger.info(
        { server, tool: toolName, durationMs: outcome.durationMs, outcome: outcome.kind },
        'tool call',
      );
      return outcome;
    },
    servers: () =>
      [...ready.entries()].map(([name, { connection, tools }]) => ({
        name,
        state: connection.state,
        tools: tools.map((t) => t.name),
        pid: connection.pid,
      })),
    close: async () => {
      await Promise.all([...ready.values()].map(({ connection }) => connection.close()));
    },
  };
}
