/**
 * The custom_id of an answer's buttons: everything a press needs to find its turn, also after a restart, in at most
 * 100 characters. Stop names the running turn (thread + when it started); Regenerate names the thread only, and a
 * press is checked against the message it came from (ids of the latest answer), so turn indices may shift.
 */
import type { AnswerControl } from '../render/messageSink.js';

export const CONTROL_PREFIX = 'turn:';
const MAX_CUSTOM_ID = 100;

export type ControlId =
  | { kind: 'stop'; threadId: string; startedAt: number }
  | { kind: 'regenerate'; threadId: string };

const checked = (customId: string): string => {
  if (customId.length > MAX_CUSTOM_ID) throw new RangeError(`custom_id longer than ${MAX_CUSTOM_ID}`);
  return customId;
};

export const stopControl = (threadId: string, startedAt: number): AnswerControl => ({
  kind: 'stop',
  customId: checked(`${CONTROL_PREFIX}stop:${threadId}:${startedAt}`),
});

export const regenerateControl = (threadId: string): AnswerControl => ({
  kind: 'regenerate',
  customId: checked(`${CONTROL_PREFIX}regen:${threadId}`),
});

const SNOWFLAKE = /^\d{1,20}$/;

/** The press's target, or undefined for a custom_id this bot never made. */
export function parseControlId(customId: string): ControlId | undefined {
  const [prefix, kind, threadId, startedAt, ...rest] = customId.split(':');
  if (`${prefix}:` !== CONTROL_PREFIX || rest.length > 0 || !threadId || !SNOWFLAKE.test(threadId)) return undefined;
  if (kind === 'regen' && startedAt === undefined) return { kind: 'regenerate', threadId };
  const at = Number(startedAt);
  if (kind === 'stop' && Number.isSafeInteger(at) && at > 0) return { kind: 'stop', threadId, startedAt: at };
  return undefined;
}
