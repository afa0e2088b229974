/** One tool call: arguments checked first, the call bounded, the result flattened and truncated. */
import type { ChatCompletionFunctionTool } from 'openai/resources/chat/completions';
import type { ArgsValidator } from './argsValidator.js';
import type { McpConnection } from './mcpConnection.js';
import type { ToolRef } from './toolNames.js';
import { modelFacingErrors, type ToolCallOutcome, type ToolOutcomeKind } from './toolOutcome.js';
import { resultToText, truncateResult } from './toolResult.js';

export interface OfferedTool {
  ref: ToolRef;
  definition: ChatCompletionFunctionTool;
  validate: ArgsValidator;
  connection: McpConnection;
}

export interface CallLimits {
  timeoutMs: number;
  maxResultChars: number;
}

export async function callTool(
  tool: OfferedTool,
  rawArguments: string,
  limits: CallLimits,
  signal?: AbortSignal,
): Promise<ToolCallOutcome> {
  const started = Date.now();
  const { server, tool: name } = tool.ref;
  const done = (kind: ToolOutcomeKind, content: string): ToolCallOutcome => ({
    kind,
    ok: kind === 'ok',
    content: truncateResult(content, limits.maxResultChars),
    server,
    tool: name,
    durationMs: Date.now() - started,
  });

  const checked = tool.validate(rawArguments);
  if (!checked.ok) return done('invalid_arguments', modelFacingErrors.invalidArguments(name, checked.problem));
  const attempt = await tool.connection.call(name, checked.args, limits.timeoutMs, signal);
  switch (attempt.kind) {
    case 'result': {
      const text = resultToText(attempt.result);
      return attempt.result.isError ? done('tool_error', modelFacingErrors.toolError(name, text)) : done('ok', text);
    }
    case 'timeout':
      return done('timeout', modelFacingErrors.timeout(name, limits.timeoutMs));
    case 'aborted':
      return done('aborted', modelFacingErrors.aborted);
    case 'unavailable':
      return done('unavailable', modelFacingErrors.unavailable(server));
    case 'protocol_error':
      return done('protocol_error', modelFacingErrors.protocolError(name, attempt.message));
  }
}
