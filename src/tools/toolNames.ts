/**
 * Function names offered to the model: `<server>__<tool>`, sanitised to OpenAI's `^[a-zA-Z0-9_-]{1,64}$`.
 * Sanitising can merge names (`a.b` and `a_b`) and truncation can too, so collisions get a suffix derived from
 * the original pair: the same servers and tools always give the same names, whatever order they were listed in.
 */
import { createHash } from 'node:crypto';

export interface ToolRef {
  server: string;
  tool: string;
}

export const MAX_FUNCTION_NAME = 64;
export const FUNCTION_NAME_PATTERN = /^[a-zA-Z0-9_-]{1,64}$/;
const SEPARATOR = '__';
const HASH_CHARS = 8;

const sanitise = (part: string): string => part.replace(/[^a-zA-Z0-9_-]/g, '_');

function baseName(ref: ToolRef): string {
  return `${sanitise(ref.server)}${SEPARATOR}${sanitise(ref.tool)}`.slice(0, MAX_FUNCTION_NAME);
}

function hashed(ref: ToolRef): string {
  const digest = createHash('sha256').update(`${ref.server}\0${ref.tool}`).digest('hex').slice(0, HASH_CHARS);
  return `${baseName(ref).slice(0, MAX_FUNCTION_NAME - HASH_CHARS - 1)}_${digest}`;
}

const byOriginal = (a: ToolRef, b: ToolRef): number =>
  a.server === b.server ? (a.tool < b.tool ? -1 : a.tool > b.tool ? 1 : 0) : a.server < b.server ? -1 : 1;

/**
 * Name every tool. The map is in sorted name order (stable request prefix for the prompt cache).
 * The first pair (in server, tool order) keeps the plain name; later pairs that collide get a hash suffix.
 */
export function assignToolNames(refs: readonly ToolRef[]): Map<string, ToolRef> {
  const named = new Map<string, ToolRef>();
  for (const ref of [...refs].sort(byOriginal)) {
    let name = baseName(ref);
    if (named.has(name)) name = hashed(ref);
    // A hash suffix colliding too would take two identical (server, tool) pairs: count them in.
    for (let n = 2; named.has(name); n++) name = `${hashed(ref).slice(0, MAX_FUNCTION_NAME - 4)}_${n}`;
    named.set(name, ref);
  }
  return new Map([...named.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
