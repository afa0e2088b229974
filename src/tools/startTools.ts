import type { Config } from '../config/config.js';
import type { Logger } from '../log.js';
import { loadMcpConfig } from './mcpConfig.js';
import type { McpHost } from './mcpHost.js';

/** The MCP host when MCP_CONFIG names servers; a server that fails to start is logged and left out. */
export async function startTools(config: Config['tools'], logger: Logger): Promise<McpHost | undefined> {
  if (config.mcpConfigPath === undefined) return undefined;
  const servers = loadMcpConfig(config.mcpConfigPath);
  // The MCP SDK (with its own zod), ajv and the host load only here: without MCP_CONFIG they cost ~15 MB RSS.
  const { startMcpHost } = await import('./mcpHost.js');
  const host = await startMcpHost({
    servers,
    logger,
    toolTimeoutMs: config.timeoutMs,
    maxResultChars: config.maxResultChars,
  });
  const tools = host.definitions().map((d) => d.function.name);
  logger.info({ servers: host.servers().map((s) => ({ name: s.name, state: s.state })), tools }, 'MCP tools');
  return host;
}
