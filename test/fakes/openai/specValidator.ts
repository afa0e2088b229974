/**
 * The outside oracle for the fake OpenAI server: OpenAI's published OpenAPI description
 * (`../shared/specs/openai-openapi.json`, resolved from the repository root) compiled with ajv.
 *
 * Loaded and compiled once per process (module-level cache); every request body the SDK sends and every
 * response body or stream chunk the fake returns is checked against it.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import Ajv2020Module from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { ErrorObject, Format, ValidateFunction } from 'ajv';

/** The repository root: this file lives in test/fakes/openai/. */
const REPO_ROOT = new URL('../../../', import.meta.url);
export const OPENAI_SPEC_PATH = fileURLToPath(new URL('../shared/specs/openai-openapi.json', REPO_ROOT));

/** The schemas the fake checks, by their name under `components.schemas`. */
export const SPEC_SCHEMAS = [
  'CreateChatCompletionRequest',
  'CreateModerationRequest',
  'CreateChatCompletionResponse',
  'CreateChatCompletionStreamResponse',
  'CreateModerationResponse',
  'ListModelsResponse',
  'ErrorResponse',
] as const;
export type SpecSchemaName = (typeof SPEC_SCHEMAS)[number];

type JsonObject = { [key: string]: unknown };

interface SpecException {
  id: string;
  /** Why we depart from the literal spec (OpenAI's docs win where the two disagree). */
  why: string;
  /** Rewrites one schema node of the spec before compilation (called on every object node, bottom-up). */
  rewriteNode?(node: JsonObject): JsonObject;
  /** Extra ajv formats the spec uses but ajv-formats does not define. */
  formats?: Record<string, Format>;
}

/**
 * Every place where the fake's oracle departs from the literal text of openai-openapi.json. One list, so a
 * reviewer can see at a glance what is *not* checked exactly as written.
 */
export const SPEC_EXCEPTIONS: readonly SpecException[] = [
  {
    id: 'nullable-keyword',
    // The file is OpenAPI 3.1 (JSON Schema 2020-12) but still carries the 3.0 keyword `nullable: true`, often
    // beside a `$ref` or `anyOf` with no `type` (ajv refuses to compile those), and beside `enum` lists that do
    // not contain null. The docs show these fields as null in real payloads (e.g. `finish_reason: null` on every
    // stream chunk but the last, `usage: null` when include_usage is set), so `nullable: true` means
    // "this schema, or null": we rewrite it to `anyOf: [schema, {type: 'null'}]`. `nullable: false` is dropped.
    why: 'OpenAPI 3.0 `nullable` inside a 3.1 document; the docs show those fields as null',
    rewriteNode(node) {
      if (typeof node.nullable !== 'boolean') return node;
      const { nullable, ...rest } = node;
      if (!nullable) return rest;
      const { description, ...schema } = rest;
      return { ...(description === undefined ? {} : { description }), anyOf: [schema, { type: 'null' }] };
    },
  },
  {
    id: 'unixtime-format',
    // `format: unixtime` is OpenAI's own annotation on `created` timestamps (integer seconds since the epoch);
    // ajv-formats does not know it. The docs describe it as a Unix timestamp in seconds.
    why: 'custom `unixtime` format: integer seconds since the epoch',
    formats: {
      unixtime: { type: 'number', validate: (value: number) => Number.isInteger(value) && value >= 0 },
    },
  },
];

export interface SpecViolation {
  /** Which side broke the contract: the client's request or the fake's response. */
  direction: 'request' | 'response';
  schema: SpecSchemaName;
  /** What was being checked, e.g. `POST /v1/chat/completions` or `... stream chunk 3`. */
  context: string;
  /** One line per failed rule: `<schema> at <json pointer>: <message> (<rule>)`. */
  message: string;
  errors: { pointer: string; rule: string; message: string }[];
}

const SPEC_ID = 'openai-openapi.json';
const MAX_REPORTED_ERRORS = 5;

let validators: Map<SpecSchemaName, ValidateFunction> | undefined;

function rewrite(node: unknown, exceptions: readonly SpecException[]): unknown {
  if (Array.isArray(node)) return node.map((item) => rewrite(item, exceptions));
  if (node === null || typeof node !== 'object') return node;
  let out: JsonObject = {};
  for (const [key, value] of Object.entries(node)) out[key] = rewrite(value, exceptions);
  for (const exception of exceptions) if (exception.rewriteNode) out = exception.rewriteNode(out);
  return out;
}

// ajv ships CommonJS with `module.exports = Ajv2020` and a `.default` alias; take whichever the loader gives.
type AjvCtor = typeof Ajv2020Module.default;
const Ajv2020 = ((Ajv2020Module as unknown as { default?: AjvCtor }).default ?? Ajv2020Module) as AjvCtor;
type AddFormats = typeof addFormatsModule.default;
const addFormats = ((addFormatsModule as unknown as { default?: AddFormats }).default ??
  addFormatsModule) as AddFormats;

/** Compile the oracle once per process. */
function loadValidators(): Map<SpecSchemaName, ValidateFunction> {
  if (validators) return validators;
  const doc = JSON.parse(readFileSync(OPENAI_SPEC_PATH, 'utf8')) as { components: JsonObject };
  const components = rewrite(doc.components, SPEC_EXCEPTIONS) as JsonObject;
  const ajv = new Ajv2020({
    strict: false,
    allErrors: true,
    // The spec is full of vendor keywords (`x-oaiMeta`, ...); strict:false ignores them. Silence the warnings.
    logger: { log() {}, warn() {}, error: (...args: unknown[]) => console.error(...args) },
  });
  addFormats(ajv);
  for (const exception of SPEC_EXCEPTIONS) {
    for (const [name, format] of Object.entries(exception.formats ?? {})) ajv.addFormat(name, format);
  }
  ajv.addSchema({ $id: SPEC_ID, components });
  const compiled = new Map<SpecSchemaName, ValidateFunction>();
  for (const name of SPEC_SCHEMAS) {
    const validate = ajv.getSchema(`${SPEC_ID}#/components/schemas/${name}`);
    if (!validate) throw new Error(`openai-openapi.json has no schema ${name}`);
    compiled.set(name, validate);
  }
  validators = compiled;
  return compiled;
}

function describe(error: ErrorObject): { pointer: string; rule: string; message: string } {
  const pointer = error.instancePath === '' ? '/' : error.instancePath;
  const detail =
    error.keyword === 'additionalProperties'
      ? ` '${String(error.params.additionalProperty)}'`
      : error.keyword === 'enum'
        ? ` ${JSON.stringify(error.params.allowedValues)}`
        : '';
  return { pointer, rule: error.keyword, message: `${error.message ?? 'is invalid'}${detail}` };
}

/**
 * Check `data` against one schema. Returns undefined when valid, otherwise a violation whose message names the
 * schema, the JSON pointer and the rule of each failure (the most specific ones first).
 */
export function validateAgainstSpec(
  schema: SpecSchemaName,
  data: unknown,
  direction: SpecViolation['direction'],
  context: string,
): SpecViolation | undefined {
  const validate = loadValidators().get(schema);
  if (!validate) throw new Error(`no validator for ${schema}`);
  if (validate(data)) return undefined;
  // Deepest pointers first: "`/choices/0/delta/content` must be string" says more than "anyOf failed at /".
  const errors = (validate.errors ?? [])
    .map(describe)
    .sort((a, b) => b.pointer.split('/').length - a.pointer.split('/').length);
  const unique = errors.filter(
    (e, i) => errors.findIndex((o) => o.pointer === e.pointer && o.message === e.message) === i,
  );
  const shown = unique.slice(0, MAX_REPORTED_ERRORS);
  const lines = shown.map((e) => `${schema} at ${e.pointer}: ${e.message} (${e.rule})`);
  if (unique.length > shown.length) lines.push(`... and ${unique.length - shown.length} more`);
  return { direction, schema, context, message: `${context}: ${lines.join('; ')}`, errors: unique };
}

/** Build the validators ahead of the first request (compiling takes a few hundred milliseconds). */
export function warmUpSpecValidator(): void {
  loadValidators();
}

/**
 * What the fake sends that is not in OpenAI's spec at all, because compatible servers send it and the bot must cope.
 * These bodies are sent unchecked; everything else stays checked. (Reasoning deltas — `delta.reasoning_content`,
 * `delta.reasoning` — need no entry: the delta schema allows extra fields, and they are checked as chunks.)
 */
export const UNCHECKED_SHAPES: readonly { id: string; why: string }[] = [
  {
    id: 'llamacpp-context-error',
    why:
      'llama.cpp answers an over-long prompt with 400 {"error":{"code":400,"type":"exceed_context_size_error",' +
      '"n_prompt_tokens":N,"n_ctx":M,"message":…}}: no `param`, a numeric `code` (ErrorResponse requires both as OpenAI sends them)',
  },
  {
    id: 'in-stream-error-event',
    why: 'llama.cpp may send `data: {"error":{…}}` inside an SSE stream with no finish_reason; not a chunk schema',
  },
  {
    id: 'moderations-404',
    why: 'servers without /v1/moderations answer 404 with their own body; checked as ErrorResponse only in our shape',
  },
];
