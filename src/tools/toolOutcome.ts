/**
 * What one tool call came to, and the text the model reads about it. These sentences are for the model, not
 * for users (users only ever see "Using `tool`…"), so they live here rather than in strings.ts.
 */
export type ToolOutcomeKind =
  | 'ok'
  | 'tool_error'
  | 'invalid_arguments'
  | 'unknown_tool'
  | 'timeout'
  | 'unavailable'
  | 'aborted'
  | 'protocol_error'
  | 'skipped';

export interface ToolCallOutcome {
  kind: ToolOutcomeKind;
  /** True only for `ok`: every other kind is sent to the model as an error result. */
  ok: boolean;
  /** What goes into the `role:'tool'` message: untrusted data, truncated to MAX_TOOL_RESULT_CHARS. */
  content: string;
  server?: string;
  tool?: string;
  durationMs: number;
}

export const modelFacingErrors = {
  unknownTool: (name: string) => `Error: there is no tool named ${name}. Use only the tools offered.`,
  invalidArguments: (tool: string, problem: string) =>
    `Error: invalid arguments for ${tool}: ${problem}. The tool was not called; fix the arguments to try again.`,
  timeout: (tool: string, ms: number) =>
    `Error: ${tool} did not answer within ${ms < 1_000 ? `${ms} ms` : `${Math.round(ms / 1000)} s`} and was cancelled.`,
  unavailable: (server: string) =>
    `Error: the tool server "${server}" is unavailable right now. Answer without it, or say it is unavailable.`,
  aborted: 'Error: the call was cancelled by the user.',
  toolError: (tool: string, text: string) => `Error from ${tool}: ${text || 'the tool reported an error.'}`,
  protocolError: (tool: string, message: string) => `Error: ${tool} failed: ${message}`,
  tooManyCalls: (max: number) => `Error: at most ${max} tool calls run per round; this one was skipped.`,
} as const;
