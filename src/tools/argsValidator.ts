/**
 * Checks a tool's arguments against its MCP `inputSchema` before anything is sent to the server, so a model's
 * malformed call costs one error message, not a round trip (or a side effect) on someone else's service.
 */
import Ajv2020Module from 'ajv/dist/2020.js';
import type { ValidateFunction } from 'ajv';

// ajv ships CommonJS with a `.default` alias; take whichever the loader gives.
type AjvCtor = typeof Ajv2020Module.default;
const Ajv2020 = ((Ajv2020Module as unknown as { default?: AjvCtor }).default ?? Ajv2020Module) as AjvCtor;

export type ArgsCheck = { ok: true; args: Record<string, unknown> } | { ok: false; problem: string };
export type ArgsValidator = (rawArguments: string) => ArgsCheck;

const MAX_PROBLEMS = 5;

/** The schema without `$schema`: servers write draft-07 or 2020-12 and both compile under 2020-12 here. */
export function schemaForModel(inputSchema: Record<string, unknown>): Record<string, unknown> {
  const { $schema: _ignored, ...rest } = inputSchema;
  return rest;
}

/** Compile once per tool; throws when the schema itself is broken (the tool is then left out). */
export function compileArgsValidator(inputSchema: Record<string, unknown>): ArgsValidator {
  // strict:false: real servers use keywords and formats ajv does not know; unknown formats are accepted.
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
  const validate: ValidateFunction = ajv.compile(schemaForModel(inputSchema));
  return (rawArguments) => {
    let args: unknown;
    try {
      args = rawArguments.trim() === '' ? {} : JSON.parse(rawArguments);
    } catch {
      return { ok: false, problem: 'the arguments are not valid JSON' };
    }
    if (args === null || typeof args !== 'object' || Array.isArray(args)) {
      return { ok: false, problem: 'the arguments must be a JSON object' };
    }
    if (validate(args)) return { ok: true, args: args as Record<string, unknown> };
    const problems = (validate.errors ?? []).slice(0, MAX_PROBLEMS).map((e) => {
      const extra = e.keyword === 'additionalProperties' ? ` '${String(e.params.additionalProperty)}'` : '';
      return `${e.instancePath || '/'} ${e.message ?? 'is invalid'}${extra}`;
    });
    return { ok: false, problem: problems.join('; ') };
  };
}
