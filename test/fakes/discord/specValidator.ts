/**
 * The oracle: Discord's published OpenAPI description (shared/specs/discord-openapi.json), loaded once per process
 * and compiled lazily, one schema at a time, with ajv (JSON Schema 2020-12, the dialect of OpenAPI 3.1).
 *
 * It answers three questions for the fake: which documented operation does a request hit, is the request (path
 * parameters, query, JSON body) valid for it, and is the response the fake is about to send valid for its status.
 * Deliberate departures from the spec live in specExceptions.ts.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ErrorObject, ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { DISCORD_SPEC_EXCEPTIONS, specException } from './specExceptions.js';

const REPO_ROOT = new URL('../../../', import.meta.url);
export const DISCORD_SPEC_PATH = fileURLToPath(new URL('../shared/specs/discord-openapi.json', REPO_ROOT));

const SPEC_ID = 'discord-openapi';
const HTTP_METHODS = ['get', 'put', 'post', 'patch', 'delete', 'head', 'options'] as const;
type LowerMethod = (typeof HTTP_METHODS)[number];

interface OpenApiSchemaHolder {
  schema?: unknown;
}
interface OpenApiParameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema?: unknown;
}
interface OpenApiResponse {
  $ref?: string;
  content?: Record<string, OpenApiSchemaHolder>;
}
interface OpenApiOperation {
  operationId?: string;
  parameters?: OpenApiParameter[];
  requestBody?: { required?: boolean; content?: Record<string, OpenApiSchemaHolder> };
  responses?: Record<string, OpenApiResponse>;
  security?: Record<string, string[]>[];
}
type OpenApiPathItem = Partial<Record<LowerMethod, OpenApiOperation>> & { parameters?: OpenApiParameter[] };
interface OpenApiDocument {
  paths: Record<string, OpenApiPathItem>;
  components: { responses?: Record<string, OpenApiResponse> } & Record<string, unknown>;
}

/** One documented operation: `POST /channels/{channel_id}/messages`. */
export interface SpecOperation {
  readonly method: string;
  readonly template: string;
  readonly operationId: string;
  /** `true` when the operation can be called without a bot token (interaction callbacks, webhook-token routes). */
  readonly allowsNoAuth: boolean;
  readonly pathParameters: readonly OpenApiParameter[];
  readonly queryParameters: readonly OpenApiParameter[];
  readonly hasJsonRequestBody: boolean;
  readonly requestBodyRequired: boolean;
  /** JSON pointer of the operation inside the spec. */
  readonly pointer: string;
}

export type RouteMatch =
  | { readonly kind: 'ok'; readonly operation: SpecOperation; readonly params: Readonly<Record<string, string>> }
  | { readonly kind: 'unknown-path' }
  | { readonly kind: 'method-not-allowed'; readonly template: string; readonly allowed: readonly string[] };

/** One schema failure, already reduced to what a human needs: where, which rule, what. */
export interface SchemaIssue {
  /** JSON pointer into the validated value (`/content`, `/data/content`, `/name` for a missing property). */
  readonly pointer: string;
  /** The JSON Schema keyword that failed (`maxLength`, `required`, `type`, ...). */
  readonly rule: string;
  readonly message: string;
  readonly params: Readonly<Record<string, unknown>>;
}

interface CompiledTemplate {
  readonly template: string;
  readonly segments: readonly string[];
  readonly literalCount: number;
  readonly item: OpenApiPathItem;
}

const escapePointerToken = (token: string): string => token.replace(/~/g, '~0').replace(/\//g, '~1');
const pointerOf = (...tokens: string[]): string => tokens.map((t) => `/${escapePointerToken(t)}`).join('');
const refOf = (pointer: string): string =>
  `${SPEC_ID}#${pointer
    .split('/')
    .map((token) => encodeURIComponent(token))
    .join('/')}`;

function setAtPointer(document: unknown, pointer: string, value: unknown): void {
  const tokens = pointer
    .split('/')
    .slice(1)
    .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
  const last = tokens.pop();
  let node: unknown = document;
  for (const token of tokens) {
    if (typeof node !== 'object' || node === null || !(token in node)) {
      throw new Error(`spec exception patch: ${pointer} does not exist in the Discord spec`);
    }
    node = (node as Record<string, unknown>)[token];
  }
  if (last === undefined || typeof node !== 'object' || node === null || !(last in node)) {
    throw new Error(`spec exception patch: ${pointer} does not exist in the Discord spec`);
  }
  (node as Record<string, unknown>)[last] = value;
}

const UINT64_MAX = 2n ** 64n - 1n;
function isSnowflake(value: string): boolean {
  return /^(0|[1-9][0-9]*)$/.test(value) && BigInt(value) <= UINT64_MAX;
}

export class DiscordSpec {
  private readonly document: OpenApiDocument;
  private readonly ajv: Ajv2020;
  private readonly templates: CompiledTemplate[];
  private readonly validators = new Map<string, ValidateFunction>();

  constructor(specPath: string = DISCORD_SPEC_PATH) {
    this.document = JSON.parse(readFileSync(specPath, 'utf8')) as OpenApiDocument;
    for (const exception of DISCORD_SPEC_EXCEPTIONS) {
      for (const patch of exception.patches ?? []) setAtPointer(this.document, patch.pointer, patch.value);
    }
    this.ajv = new Ajv2020({ strict: false, allErrors: true, validateSchema: false });
    addFormatsModule.default(this.ajv);
    specException('snowflake-format');
    this.ajv.addFormat('snowflake', { type: 'string', validate: isSnowflake });
    specException('nonce-format');
    this.ajv.addFormat('nonce', { type: 'string', validate: () => true });
    this.ajv.addSchema({ ...this.document, $id: SPEC_ID });
    this.templates = Object.entries(this.document.paths).map(([template, item]) => {
      const segments = template.split('/').slice(1);
      return {
        template,
        segments,
        literalCount: segments.filter((s) => !s.startsWith('{')).length,
        item,
      };
    });
    // Literal segments win over parameters (`/messages/bulk-delete` before `/messages/{message_id}`).
    this.templates.sort((a, b) => b.literalCount - a.literalCount);
  }

  /** Match an already percent-decoded path (without `/api/v10`) to a documented operation. */
  match(method: string, decodedSegments: readonly string[]): RouteMatch {
    const lower = method.toLowerCase() as LowerMethod;
    let methodMismatch: { template: string; allowed: string[] } | undefined;
    for (const candidate of this.templates) {
      if (candidate.segments.length !== decodedSegments.length) continue;
      const params: Record<string, string> = {};
      const fits = candidate.segments.every((segment, i) => {
        const actual = decodedSegments[i] ?? '';
        if (segment.startsWith('{') && segment.endsWith('}')) {
          if (actual === '') return false;
          params[segment.slice(1, -1)] = actual;
          return true;
        }
        return segment === actual;
      });
      if (!fits) continue;
      const operation = candidate.item[lower];
      if (!operation) {
        methodMismatch ??= {
          template: candidate.template,
          allowed: HTTP_METHODS.filter((m) => candidate.item[m]).map((m) => m.toUpperCase()),
        };
        continue;
      }
      return { kind: 'ok', operation: this.describe(candidate, lower, operation), params };
    }
    if (methodMismatch) return { kind: 'method-not-allowed', ...methodMismatch };
    return { kind: 'unknown-path' };
  }

  private describe(candidate: CompiledTemplate, method: LowerMethod, operation: OpenApiOperation): SpecOperation {
    const parameters = [...(candidate.item.parameters ?? []), ...(operation.parameters ?? [])];
    return {
      method: method.toUpperCase(),
      template: candidate.template,
      operationId: operation.operationId ?? `${method} ${candidate.template}`,
      allowsNoAuth: (operation.security ?? []).some((requirement) => Object.keys(requirement).length === 0),
      pathParameters: parameters.filter((p) => p.in === 'path'),
      queryParameters: parameters.filter((p) => p.in === 'query'),
      hasJsonRequestBody: Boolean(operation.requestBody?.content?.['application/json']),
      requestBodyRequired: operation.requestBody?.required === true,
      pointer: pointerOf('paths', candidate.template, method),
    };
  }

  private operationObject(operation: SpecOperation): OpenApiOperation {
    const item = this.document.paths[operation.template];
    const found = item?.[operation.method.toLowerCase() as LowerMethod];
    if (!found) throw new Error(`no operation at ${operation.pointer}`);
    return found;
  }

  private validatorAt(pointer: string): ValidateFunction {
    let validator = this.validators.get(pointer);
    if (!validator) {
      validator = this.ajv.compile({ $ref: refOf(pointer) });
      this.validators.set(pointer, validator);
    }
    return validator;
  }

  private run(pointer: string, value: unknown): SchemaIssue[] {
    const validator = this.validatorAt(pointer);
    if (validator(value)) return [];
    return this.explainUnion(pointer, value) ?? summarize(validator.errors ?? []);
  }

  /**
   * For a union (anyOf / oneOf, Discord's way to type "one of these request shapes"), report the errors of the
   * branch the value was meant for: branches whose `type` discriminator does not match are dropped, and of the
   * rest the one with the fewest issues wins. Returns undefined when the schema is not a union.
   */
  private explainUnion(pointer: string, value: unknown): SchemaIssue[] | undefined {
    const schema = this.schemaAt(pointer);
    const keyword = Array.isArray(schema?.anyOf) ? 'anyOf' : Array.isArray(schema?.oneOf) ? 'oneOf' : undefined;
    if (!keyword || !schema) return undefined;
    const branches = (schema[keyword] as unknown[]).map((_, i) => {
      const validator = this.validatorAt(`${pointer}/${keyword}/${i}`);
      const valid = validator(value);
      const errors = valid ? [] : [...(validator.errors ?? [])];
      const mismatched = errors.some(
        (e) => (e.keyword === 'enum' || e.keyword === 'const') && e.instancePath === '/type',
      );
      return { valid, mismatched, issues: valid ? [] : summarize(errors) };
    });
    if (branches.some((b) => b.valid)) return undefined; // oneOf matched more than one branch: let ajv say so
    const candidates = branches.filter((b) => !b.mismatched);
    if (candidates.length === 0) return undefined;
    return candidates.reduce((best, b) => (b.issues.length < best.issues.length ? b : best)).issues;
  }

  /** The schema object at a pointer, following `$ref`s into the document. */
  private schemaAt(pointer: string): Record<string, unknown> | undefined {
    let node: unknown = this.document;
    for (const token of pointer.split('/').slice(1)) {
      if (typeof node !== 'object' || node === null) return undefined;
      node = (node as Record<string, unknown>)[token.replace(/~1/g, '/').replace(/~0/g, '~')];
    }
    for (let hops = 0; hops < 10 && typeof node === 'object' && node !== null; hops++) {
      const ref = (node as { $ref?: unknown }).$ref;
      if (typeof ref !== 'string' || !ref.startsWith('#/')) break;
      node = this.schemaAt(ref.slice(1));
    }
    return typeof node === 'object' && node !== null ? (node as Record<string, unknown>) : undefined;
  }

  /** Path parameters (`channel_id` must be a snowflake, ...). */
  validatePathParams(operation: SpecOperation, params: Readonly<Record<string, string>>): SchemaIssue[] {
    const issues: SchemaIssue[] = [];
    operation.pathParameters.forEach((parameter) => {
      const value = params[parameter.name];
      if (value === undefined || parameter.schema === undefined) return;
      const index = this.parameterIndex(operation, parameter);
      for (const issue of this.run(`${index}/schema`, value)) {
        issues.push({
          ...issue,
          pointer: `/path/${parameter.name}${issue.pointer}`,
          message: `${issue.message}, got "${value}"`,
        });
      }
    });
    return issues;
  }

  /** Query parameters, coerced from their string form (see spec exception query-boolean-coercion). */
  validateQuery(operation: SpecOperation, query: URLSearchParams): SchemaIssue[] {
    specException('query-boolean-coercion');
    const issues: SchemaIssue[] = [];
    const known = new Set(operation.queryParameters.map((p) => p.name));
    for (const name of new Set(query.keys())) {
      if (!known.has(name)) {
        issues.push({
          pointer: `/query/${name}`,
          rule: 'unknownQueryParameter',
          message: `query parameter "${name}" is not documented for this operation`,
          params: { name },
        });
      }
    }
    for (const parameter of operation.queryParameters) {
      const raw = query.get(parameter.name);
      if (raw === null) {
        if (parameter.required) {
          issues.push({
            pointer: `/query/${parameter.name}`,
            rule: 'required',
            message: `missing required query parameter "${parameter.name}"`,
            params: { missingProperty: parameter.name },
          });
        }
        continue;
      }
      const index = this.parameterIndex(operation, parameter);
      for (const issue of this.run(`${index}/schema`, coerceQueryValue(raw, parameter.schema))) {
        issues.push({ ...issue, pointer: `/query/${parameter.name}${issue.pointer}` });
      }
    }
    return issues;
  }

  private parameterIndex(operation: SpecOperation, parameter: OpenApiParameter): string {
    const item = this.document.paths[operation.template];
    const opObject = this.operationObject(operation);
    const opIndex = (opObject.parameters ?? []).indexOf(parameter);
    if (opIndex >= 0) return `${operation.pointer}/parameters/${opIndex}`;
    const itemIndex = (item?.parameters ?? []).indexOf(parameter);
    return `${pointerOf('paths', operation.template)}/parameters/${itemIndex}`;
  }

  /** The JSON request body (for multipart requests: the parsed `payload_json` part). */
  validateRequestBody(operation: SpecOperation, body: unknown): SchemaIssue[] {
    const opObject = this.operationObject(operation);
    const content = opObject.requestBody?.content;
    if (!content) {
      if (body === undefined) return [];
      return [{ pointer: '', rule: 'noRequestBody', message: 'this operation takes no request body', params: {} }];
    }
    if (body === undefined) {
      if (!opObject.requestBody?.required) return [];
      return [{ pointer: '', rule: 'required', message: 'a request body is required', params: {} }];
    }
    if (!content['application/json']?.schema) return [];
    return this.run(`${operation.pointer}${pointerOf('requestBody', 'content', 'application/json', 'schema')}`, body);
  }

  /** A value against one named schema of the spec (e.g. `MessageAttachmentResponse` for an attachment the fake makes). */
  validateComponent(schemaName: string, value: unknown): SchemaIssue[] {
    const schemas = this.document.components.schemas as Record<string, unknown> | undefined;
    if (!schemas?.[schemaName]) throw new Error(`no schema ${schemaName} in the Discord spec`);
    return this.run(pointerOf('components', 'schemas', schemaName), value);
  }

  /** A response the fake is about to send: documented status, JSON body iff documented, body valid. */
  validateResponse(operation: SpecOperation, status: number, body: unknown): SchemaIssue[] {
    const responses = this.operationObject(operation).responses ?? {};
    const key = [String(status), `${Math.floor(status / 100)}XX`, 'default'].find((k) => responses[k] !== undefined);
    if (key === undefined) {
      return [
        {
          pointer: '',
          rule: 'undocumentedStatus',
          message: `status ${status} is not documented (documented: ${Object.keys(responses).join(', ')})`,
          params: { status },
        },
      ];
    }
    let responsePointer = `${operation.pointer}${pointerOf('responses', key)}`;
    let response = responses[key];
    if (response?.$ref) {
      responsePointer = response.$ref.slice(1);
      const name = response.$ref.split('/').pop() ?? '';
      response = this.document.components.responses?.[name];
    }
    const schemaHolder = response?.content?.['application/json'];
    if (!schemaHolder) {
      if (body === undefined) return [];
      return [
        { pointer: '', rule: 'noResponseBody', message: `status ${status} is documented without a body`, params: {} },
      ];
    }
    if (body === undefined) {
      return [
        { pointer: '', rule: 'required', message: `status ${status} is documented with a JSON body`, params: {} },
      ];
    }
    return this.run(`${responsePointer}${pointerOf('content', 'application/json', 'schema')}`, body);
  }
}

function coerceQueryValue(raw: string, schema: unknown): unknown {
  const type = typeof schema === 'object' && schema !== null ? (schema as { type?: unknown }).type : undefined;
  const types = Array.isArray(type) ? type : [type];
  if (types.includes('boolean')) {
    if (raw.toLowerCase() === 'true') return true;
    if (raw.toLowerCase() === 'false') return false;
  }
  if ((types.includes('integer') || types.includes('number')) && /^-?\d+(\.\d+)?$/.test(raw)) return Number(raw);
  return raw;
}

const COMPOSITE_KEYWORDS = new Set(['anyOf', 'oneOf', 'allOf', 'if', 'then', 'else', 'not', '$ref']);

/**
 * ajv reports every failing branch of every anyOf/oneOf. Keep the errors that say most: leaf rules (not the
 * composite keyword that merely collects its branches), at the deepest location reached.
 */
function summarize(errors: readonly ErrorObject[]): SchemaIssue[] {
  const issues = errors.map(
    (error): SchemaIssue => ({
      pointer:
        error.keyword === 'required'
          ? `${error.instancePath}/${String((error.params as { missingProperty?: unknown }).missingProperty)}`
          : error.instancePath,
      rule: error.keyword,
      message: error.message ?? error.keyword,
      params: error.params as Record<string, unknown>,
    }),
  );
  const leaves = issues.filter((issue) => !COMPOSITE_KEYWORDS.has(issue.rule));
  if (leaves.length === issues.length) return dedupe(issues);
  const pool = leaves.length > 0 ? leaves : issues;
  const depth = (issue: SchemaIssue): number => issue.pointer.split('/').length;
  const deepest = Math.max(...pool.map(depth));
  return dedupe(pool.filter((issue) => depth(issue) === deepest));
}

/** One issue per location and rule; a `format` failure makes the `pattern` failure at the same place redundant. */
function dedupe(issues: readonly SchemaIssue[]): SchemaIssue[] {
  const seen = new Set<string>();
  const withFormat = new Set(issues.filter((i) => i.rule === 'format').map((i) => i.pointer));
  return issues.filter((issue) => {
    if (issue.rule === 'pattern' && withFormat.has(issue.pointer)) return false;
    const key = `${issue.pointer}|${issue.rule}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

let shared: DiscordSpec | undefined;
/** The process-wide spec (parsed once; schemas compile on first use and are cached). */
export function discordSpec(): DiscordSpec {
  shared ??= new DiscordSpec();
  return shared;
}
