import { setMaxListeners } from 'node:events';
/**
 * A fake OpenAI server on loopback: real HTTP, driven by the real `openai` SDK (baseURL = `fake.url`).
 *
 * - `POST /v1/chat/completions` (SSE streaming and plain JSON), `POST /v1/moderations`, `GET /v1/models`.
 * - Usage counted with our own token counter; OpenAI-style RPM/TPM buckets with continuous refill and the
 *   `x-ratelimit-*` headers; scripted faults consumed one per matching request.
 * - Every request body and every response body / stream chunk is checked against OpenAI's published OpenAPI
 *   description (see specValidator.ts). Violations land in `fake.violations`; a request that breaks the spec is
 *   answered 400 naming the schema, the JSON pointer and the rule. Call `assertNoViolations()` after each test.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionCreateParams,
} from 'openai/resources/chat/completions';
import type { CompletionUsage } from 'openai/resources/completions';
import type { Moderation, ModerationCreateResponse } from 'openai/resources/moderations';
import type { Model } from 'openai/resources/models';
import { countPromptTokens, countTokens } from '../../../src/tokens/tokenCounter.js';
import {
  cacheMessagesOf,
  exceedsWindow,
  reasoningSteps,
  reasoningTokensOf,
  sendContextErrorWith,
} from './reasoning.js';
import { PromptCache } from './promptCache.js';
import { DEFAULT_WINDOW_MS, formatResetDuration, TokenBucket, type FakeRateLimits } from './rateLimits.js';
import { validateAgainstSpec, warmUpSpecValidator, type SpecSchemaName, type SpecViolation } from './specValidator.js';
import {
  resolveToolCalls,
  toolCallDeltas,
  toolMessageProblems,
  type ResolvedToolCall,
  type FakeToolCallAnswer,
} from './toolCalls.js';

export type FakeFinishReason = 'stop' | 'length' | 'content_filter' | 'tool_calls';
/** A text answer, or tool calls (finish_reason `tool_calls`). */
export type FakeAnswer = string | { text: string; finishReason?: FakeFinishReason } | FakeToolCallAnswer;
/** Produces the assistant's answer for one chat request. */
export type AnswerFn = (body: ChatCompletionCreateParams) => FakeAnswer;

/** What the next matching request gets instead of a normal answer. */
export type FakeFault = (
  | { kind: 'rate_limit'; retryAfterMs?: number; limitType?: 'requests' | 'tokens' }
  | { kind: 'insufficient_quota' }
  | { kind: 'status'; status: number; message?: string }
  /** Never send headers; the socket stays open until the client gives up or the fake closes. */
  | { kind: 'hang' }
  /** Send `afterChunks` SSE chunks (the role chunk counts), then destroy the socket. */
  | { kind: 'cut'; afterChunks: number }
  /** Send `afterChunks` SSE chunks, then stop writing and keep the socket open. */
  | { kind: 'stall'; afterChunks: number }
  /** Send `afterChunks` SSE chunks, then `data: {"error": …}` (llama.cpp style) and end the stream. */
  | { kind: 'stream_error'; afterChunks: number; message?: string }
) & {
  /** Only requests for this model consume the fault (others pass it by). */
  model?: string;
  /** The endpoint, without `/v1`; default `/chat/completions`. */
  path?: string;
};

export interface RecordedRequest {
  method: string;
  /** Path without the `/v1` prefix, e.g. `/chat/completions`. */
  path: string;
  body: unknown;
  model?: string;
  stream: boolean;
  /** Prompt tokens as the fake counts them (chat requests; 0 otherwise). */
  promptTokens: number;
  /** `max_completion_tokens` or `max_tokens` as sent (undefined when absent). */
  completionCap?: number;
  /** Epoch ms on arrival. */
  at: number;
  /** HTTP status answered; 0 while no status was sent (hang). */
  status: number;
  rateLimited: boolean;
  /** The scripted fault this request consumed, if any. */
  fault?: FakeFault['kind'];
  /** When the client closed a stream before it ended (a cancelled request), epoch ms. */
  clientAbortedAt?: number;
  /** Prompt tokens the fake's prompt cache served (chat requests that reached the model). */
  cachedTokens?: number;
}

/**
 * How the model thinks before answering. `silent`: headers, then nothing for `thinkMs` (OpenAI). `reasoning_content`
 * (DeepSeek/vLLM/llama.cpp) and `reasoning` (OpenRouter): the thinking streams in that delta field. `think_tags`:
 * inline `<think>…</think>` in the content, cut in small pieces so the tags split across chunks (Ollama/Qwen).
 * Reasoning tokens count against the completion cap; a cap they use up leaves an empty answer, finish `length`.
 */
export interface FakeReasoning {
  style: 'silent' | 'reasoning_content' | 'reasoning' | 'think_tags';
  text?: string;
  /** Reasoning tokens reported (default: the tokens of `text`, or 200 when silent). */
  tokens?: number;
  thinkMs?: number;
}

/** A server window: prompts that do not fit get a 400 in OpenAI's or llama.cpp's shape. */
export interface FakeContextWindow {
  tokens: number;
  shape: 'openai' | 'llamacpp';
}

export interface FakeTiming {
  /** Delay before the first chunk (streaming) or the response (non-streaming). */
  timeToFirstTokenMs: number;
  /** Generation speed; 0 = as fast as possible. */
  tokensPerSecond: number;
  /** Tokens per content chunk (a token is approximated by a word piece when chunking). */
  chunkTokens: number;
}

export interface FakeOpenAIOptions extends Partial<FakeTiming> {
  answer?: AnswerFn;
  /** Report usage (non-streaming body, and the final chunk when `stream_options.include_usage`). Default true. */
  usage?: boolean;
  /** RPM/TPM enforcement on chat completions; off by default. */
  rateLimits?: FakeRateLimits;
  /** Completion cap charged against TPM when a request sets none. */
  defaultCompletionCap?: number;
  /** Check requests and responses against the OpenAPI spec. Default true. */
  validate?: boolean;
  /** Model ids listed by `GET /v1/models`. */
  models?: string[];
  /** Moderation: the categories flagged for an input (empty = not flagged). */
  moderate?: (input: string) => string[];
  /** Oracle self-tests only: rewrite each stream chunk before it is validated and sent. */
  transformChunk?: (chunk: ChatCompletionChunk) => unknown;
  reasoning?: FakeReasoning;
  contextWindow?: FakeContextWindow;
  /** false: no `/v1/moderations` (404), like llama.cpp. Default true. */
  moderationEndpoint?: boolean;
  /** A server whose own tokenizer counts this many times our o200k count (llama.cpp ran ~1.12). Default 1. */
  promptTokenScale?: number;
}

export interface FakeOpenAI {
  /** The `/v1` base URL to hand to the SDK. */
  readonly url: string;
  readonly port: number;
  readonly requests: RecordedRequest[];
  readonly violations: SpecViolation[];
  /** Requests to `/chat/completions` only. */
  chatRequests(): RecordedRequest[];
  setAnswer(answer: AnswerFn): void;
  setTiming(timing: Partial<FakeTiming>): void;
  setUsage(report: boolean): void;
  setRateLimits(limits: FakeRateLimits | undefined): void;
  setModerator(moderate: (input: string) => string[]): void;
  setReasoning(reasoning: FakeReasoning | undefined): void;
  setContextWindow(window: FakeContextWindow | undefined): void;
  /** Queue faults: each is consumed by the next matching request. */
  fail(...faults: FakeFault[]): void;
  pendingFaults(): number;
  clearFaults(): void;
  clearViolations(): void;
  /** Throws (failing the current test) when any spec violation was recorded. */
  assertNoViolations(): void;
  close(): Promise<void>;
}

export const MODERATION_CATEGORIES = [
  'harassment',
  'harassment/threatening',
  'hate',
  'hate/threatening',
  'illicit',
  'illicit/violent',
  'self-harm',
  'self-harm/instructions',
  'self-harm/intent',
  'sexual',
  'sexual/minors',
  'violence',
  'violence/graphic',
] as const;

const DEFAULT_COMPLETION_CAP = 4096;
const MAX_BODY_BYTES = 10 * 1024 * 1024;
/** Long unbroken words are chunked into pieces of this many characters (roughly one token each). */
const MAX_PIECE_CHARS = 8;

const defaultAnswer: AnswerFn = () => 'Hello from the fake model.';

/** Throw (vitest-friendly) if any of the fakes recorded a spec violation. */
export function assertNoViolations(...fakes: FakeOpenAI[]): void {
  const violations = fakes.flatMap((fake) => fake.violations);
  if (violations.length === 0) return;
  const lines = violations.map((v) => `- [${v.direction}] ${v.message}`);
  throw new Error(`OpenAI spec violations (${violations.length}):\n${lines.join('\n')}`);
}

/** Text of a chat message's content, whether a string or an array of parts. */
function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((part: unknown) => {
      const p = part as { type?: unknown; text?: unknown; refusal?: unknown };
      if (typeof p.text === 'string') return p.text;
      if (typeof p.refusal === 'string') return p.refusal;
      return '';
    })
    .join('');
}

/** Tool calls and tool definitions count too (as their JSON text: close enough for a fake). */
function promptTokensOf(body: Partial<ChatCompletionCreateParams>): number {
  const messages = Array.isArray(body.messages) ? body.messages : [];
  const counted = messages.map((m) => {
    const calls = (m as { tool_calls?: unknown[] }).tool_calls;
    const callText = Array.isArray(calls) ? JSON.stringify(calls) : '';
    return { content: contentText((m as { content?: unknown }).content) + callText };
  });
  const toolsText = Array.isArray(body.tools) && body.tools.length > 0 ? JSON.stringify(body.tools) : '';
  return countPromptTokens(counted) + (toolsText ? countTokens(toolsText) : 0);
}

function completionCapOf(body: Partial<ChatCompletionCreateParams>): number | undefined {
  const cap = body.max_completion_tokens ?? body.max_tokens;
  return typeof cap === 'number' ? cap : undefined;
}

/** Word pieces (each with its leading whitespace) standing in for tokens when chunking and pacing. */
function splitPieces(text: string): string[] {
  const pieces: string[] = [];
  for (const word of text.match(/\s*\S+|\s+/g) ?? []) {
    const chars = Array.from(word);
    for (let i = 0; i < chars.length; i += MAX_PIECE_CHARS) pieces.push(chars.slice(i, i + MAX_PIECE_CHARS).join(''));
  }
  return pieces;
}

function errorBody(message: string, type: string, code: string | null): { error: Record<string, unknown> } {
  return { error: { message, type, param: null, code } };
}

const STATUS_ERRORS: Record<number, { message: string; type: string; code: string | null }> = {
  400: { message: 'Invalid request.', type: 'invalid_request_error', code: null },
  401: {
    message:
      'Incorrect API key provided: sk-fake***. You can find your API key at https://platform.openai.com/account/api-keys.',
    type: 'invalid_request_error',
    code: 'invalid_api_key',
  },
  403: { message: 'You are not allowed to use this model.', type: 'invalid_request_error', code: null },
  404: {
    message: 'The model does not exist or you do not have access to it.',
    type: 'invalid_request_error',
    code: 'model_not_found',
  },
  500: {
    message: 'The server had an error while processing your request. Sorry about that!',
    type: 'server_error',
    code: null,
  },
  502: { message: 'Bad gateway.', type: 'server_error', code: null },
  503: { message: 'The engine is currently overloaded, please try again later.', type: 'server_error', code: null },
};

let completionCounter = 0;

export async function startFakeOpenAI(options: FakeOpenAIOptions = {}): Promise<FakeOpenAI> {
  const validate = options.validate ?? true;
  if (validate) warmUpSpecValidator();

  let answer = options.answer ?? defaultAnswer;
  let timing: FakeTiming = {
    timeToFirstTokenMs: options.timeToFirstTokenMs ?? 0,
    tokensPerSecond: options.tokensPerSecond ?? 0,
    chunkTokens: Math.max(1, options.chunkTokens ?? 1),
  };
  let reportUsage = options.usage ?? true;
  let moderate = options.moderate ?? (() => []);
  const defaultCap = options.defaultCompletionCap ?? DEFAULT_COMPLETION_CAP;
  let reasoning = options.reasoning;
  let contextWindow = options.contextWindow;
  const promptCache = new PromptCache();
  const models = options.models ?? ['gpt-4o-mini', 'gpt-4o', 'omni-moderation-latest'];
  const requests: RecordedRequest[] = [];
  const violations: SpecViolation[] = [];
  const faults: FakeFault[] = [];
  const lifetime = new AbortController();
  // Every pending stream sleep listens for shutdown; many concurrent streams are normal here.
  setMaxListeners(0, lifetime.signal);

  let buckets: { requests?: TokenBucket; tokens?: TokenBucket } = {};
  const setRateLimits = (limits: FakeRateLimits | undefined): void => {
    const windowMs = limits?.windowMs ?? DEFAULT_WINDOW_MS;
    const now = Date.now();
    buckets = {
      requests: limits?.rpm ? new TokenBucket(limits.rpm, windowMs, now) : undefined,
      tokens: limits?.tpm ? new TokenBucket(limits.tpm, windowMs, now) : undefined,
    };
  };
  setRateLimits(options.rateLimits);

  const check = (schema: SpecSchemaName, data: unknown, direction: SpecViolation['direction'], context: string) => {
    if (!validate) return undefined;
    const violation = validateAgainstSpec(schema, data, direction, context);
    if (violation) violations.push(violation);
    return violation;
  };

  const rateLimitHeaders = (): Record<string, string> => {
    const now = Date.now();
    const headers: Record<string, string> = {};
    for (const [name, bucket] of [
      ['requests', buckets.requests],
      ['tokens', buckets.tokens],
    ] as const) {
      if (!bucket) continue;
      headers[`x-ratelimit-limit-${name}`] = String(bucket.limit);
      headers[`x-ratelimit-remaining-${name}`] = String(Math.max(0, Math.floor(bucket.available(now))));
      headers[`x-ratelimit-reset-${name}`] = formatResetDuration(bucket.msUntilFull(now));
    }
    return headers;
  };

  const sendJson = (
    res: ServerResponse,
    status: number,
    body: unknown,
    schema: SpecSchemaName,
    context: string,
    headers: Record<string, string> = {},
  ): void => {
    check(schema, body, 'response', `${context} → ${status}`);
    const text = JSON.stringify(body);
    res.writeHead(status, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(text),
      ...headers,
    });
    res.end(text);
  };

  const sendError = (
    res: ServerResponse,
    record: RecordedRequest | undefined,
    status: number,
    error: { error: Record<string, unknown> },
    context: string,
    headers: Record<string, string> = {},
  ): void => {
    if (record) {
      record.status = status;
      record.rateLimited = status === 429;
    }
    sendJson(res, status, error, 'ErrorResponse', context, headers);
  };

  const sendContextError = (res: ServerResponse, record: RecordedRequest, window: FakeContextWindow, context: string) =>
    sendContextErrorWith(res, record, window, (status, body) => {
      record.status = status;
      // llama.cpp's body is not OpenAI's ErrorResponse (see UNCHECKED_SHAPES); OpenAI's is checked.
      if (window.shape === 'openai') check('ErrorResponse', body, 'response', `${context} → ${status}`);
    });

  /** OpenAI's admission check: requests first, then tokens (prompt + completion cap). */
  const admit = (
    record: RecordedRequest,
  ): { ok: true } | { ok: false; type: 'requests' | 'tokens'; retryAfterMs: number; message: string } => {
    const now = Date.now();
    const charge = record.promptTokens + (record.completionCap ?? defaultCap);
    const { requests: reqBucket, tokens: tokBucket } = buckets;
    const model = record.model ?? 'unknown';
    if (reqBucket && reqBucket.available(now) < 1) {
      // Rejected requests still count against the request limit, like OpenAI's.
      reqBucket.charge(1, now);
      const retryAfterMs = reqBucket.msUntil(1, now);
      const message =
        `Rate limit reached for ${model} in organization org-fake on requests per min (RPM): ` +
        `Limit ${reqBucket.limit}, Used ${reqBucket.limit}, Requested 1. Please try again in ${formatResetDuration(retryAfterMs)}.`;
      return { ok: false, type: 'requests', retryAfterMs, message };
    }
    if (tokBucket && tokBucket.available(now) < charge) {
      reqBucket?.charge(1, now);
      const retryAfterMs = Math.min(tokBucket.msUntil(charge, now), tokBucket.windowMs);
      const used = Math.max(0, Math.round(tokBucket.limit - tokBucket.available(now)));
      const message =
        `Rate limit reached for ${model} in organization org-fake on tokens per min (TPM): ` +
        `Limit ${tokBucket.limit}, Used ${used}, Requested ${charge}. Please try again in ${formatResetDuration(retryAfterMs)}.`;
      return { ok: false, type: 'tokens', retryAfterMs, message };
    }
    reqBucket?.charge(1, now);
    tokBucket?.charge(charge, now);
    return { ok: true };
  };

  /** A sleep that ends early (returning false) when the fake closes or the client goes away. */
  const wait = async (ms: number, res: ServerResponse): Promise<boolean> => {
    if (ms > 0) {
      try {
        await sleep(ms, undefined, { signal: lifetime.signal });
      } catch {
        return false;
      }
    }
    return !res.destroyed && !lifetime.signal.aborted;
  };

  const resolveAnswer = (body: ChatCompletionCreateParams, fullCap: number | undefined) => {
    const raw = answer(body);
    if (typeof raw !== 'string' && 'toolCalls' in raw) {
      const toolCalls = resolveToolCalls(raw.toolCalls);
      const pieces = splitPieces(raw.text ?? '');
      return { pieces, text: pieces.join(''), finishReason: 'tool_calls' as FakeFinishReason, toolCalls, thought: 0 };
    }
    const given = typeof raw === 'string' ? { text: raw } : raw;
    let finishReason: FakeFinishReason = given.finishReason ?? 'stop';
    let pieces = splitPieces(given.text);
    const thought = reasoningTokensOf(reasoning);
    const cap = fullCap === undefined ? undefined : fullCap - Math.min(thought, fullCap);
    if (fullCap !== undefined && thought >= fullCap) {
      return {
        pieces: [],
        text: '',
        finishReason: 'length' as const,
        thought: fullCap,
        toolCalls: [] as ResolvedToolCall[],
      };
    }
    if (cap !== undefined) {
      // Stop at the completion cap like the real model does (finish_reason "length").
      let used = 0;
      const kept: string[] = [];
      for (const piece of pieces) {
        const cost = countTokens(piece);
        if (used + cost > cap) {
          finishReason = 'length';
          break;
        }
        used += cost;
        kept.push(piece);
      }
      pieces = kept;
    }
    return { pieces, text: pieces.join(''), finishReason, thought, toolCalls: [] as ResolvedToolCall[] };
  };

  const usageOf = (
    record: RecordedRequest,
    text: string,
    thought: number,
    toolCalls: ResolvedToolCall[] = [],
  ): CompletionUsage => {
    const calls = toolCalls.reduce((n, c) => n + countTokens(c.name + c.arguments), 0);
    const completion = countTokens(text) + thought + calls;
    const prompt = record.promptTokens;
    return {
      prompt_tokens: prompt,
      completion_tokens: completion,
      total_tokens: prompt + completion,
      prompt_tokens_details: { cached_tokens: record.cachedTokens ?? 0 },
      completion_tokens_details: { reasoning_tokens: thought },
    };
  };

  const streamCompletion = async (
    res: ServerResponse,
    record: RecordedRequest,
    body: ChatCompletionCreateParams,
    fault: FakeFault | undefined,
    headers: Record<string, string>,
  ): Promise<void> => {
    const id = `chatcmpl-fake${++completionCounter}`;
    const created = Math.floor(Date.now() / 1000);
    const model = body.model;
    const includeUsage = reportUsage && body.stream_options?.include_usage === true;
    const { pieces, text, finishReason, thought, toolCalls } = resolveAnswer(body, record.completionCap);
    const limited = fault?.kind === 'cut' || fault?.kind === 'stall' || fault?.kind === 'stream_error';
    const limitAfter = limited ? fault.afterChunks : Infinity;
    let written = 0;

    record.status = 200;
    res.once('close', () => {
      if (!res.writableFinished) record.clientAbortedAt = Date.now();
    });
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      ...headers,
    });
    res.flushHeaders();

    /** Write one SSE event; false when the stream must stop here (fault, client gone, fake closed). */
    const send = async (payload: ChatCompletionChunk | '[DONE]'): Promise<boolean> => {
      if (res.destroyed || lifetime.signal.aborted) return false;
      if (written >= limitAfter) {
        if (fault?.kind === 'cut') res.socket?.destroy();
        if (fault?.kind === 'stream_error') {
          // Not a chunk of the spec: llama.cpp's in-stream error event (see UNCHECKED_SHAPES).
          const error = { error: { code: 500, message: fault.message ?? 'llama_decode failed', type: 'server_error' } };
          res.end(`data: ${JSON.stringify(error)}\n\n`);
        }
        return false; // stall: keep the socket open, write nothing more
      }
      let data: unknown = payload;
      if (payload !== '[DONE]') {
        data = options.transformChunk ? options.transformChunk(payload) : payload;
        check(
          'CreateChatCompletionStreamResponse',
          data,
          'response',
          `POST /v1/chat/completions stream chunk ${written + 1}`,
        );
      }
      const line = `data: ${payload === '[DONE]' ? '[DONE]' : JSON.stringify(data)}\n\n`;
      written++;
      await new Promise<void>((resolve) => res.write(line, () => resolve()));
      return true;
    };
    const chunk = (choices: ChatCompletionChunk['choices'], usage?: CompletionUsage | null): ChatCompletionChunk => ({
      id,
      object: 'chat.completion.chunk',
      created,
      model,
      choices,
      ...(includeUsage ? { usage: usage ?? null } : {}),
    });

    const msPerChunk = timing.tokensPerSecond > 0 ? (1000 * timing.chunkTokens) / timing.tokensPerSecond : 0;
    const delta = (d: Record<string, unknown>) => chunk([{ index: 0, delta: d, finish_reason: null, logprobs: null }]);
    if (!(await wait(timing.timeToFirstTokenMs, res))) return;
    // OpenAI thinks silently: headers are out, then nothing until the answer.
    if (reasoning?.style === 'silent' && !(await wait(reasoning.thinkMs ?? 0, res))) return;
    if (!(await send(delta({ role: 'assistant', content: '' })))) return;
    for (const step of reasoningSteps(reasoning)) {
      if (!(await wait(step.waitMs, res))) return;
      if (!(await send(delta(step.delta)))) return;
    }
    for (let i = 0; i < pieces.length; i += timing.chunkTokens) {
      if (i > 0 && !(await wait(msPerChunk, res))) return;
      const content = pieces.slice(i, i + timing.chunkTokens).join('');
      if (!(await send(delta({ content })))) return;
    }
    for (const tool_calls of toolCallDeltas(toolCalls)) {
      if (!(await wait(msPerChunk, res))) return;
      if (!(await send(chunk([{ index: 0, delta: { tool_calls }, finish_reason: null, logprobs: null }])))) return;
    }
    if (!(await send(chunk([{ index: 0, delta: {}, finish_reason: finishReason, logprobs: null }])))) return;
    if (includeUsage && !(await send(chunk([], usageOf(record, text, thought, toolCalls))))) return;
    if (!(await send('[DONE]'))) return;
    res.end();
  };

  const completeJson = async (
    res: ServerResponse,
    record: RecordedRequest,
    body: ChatCompletionCreateParams,
    headers: Record<string, string>,
  ): Promise<void> => {
    const { pieces, text, finishReason, thought, toolCalls } = resolveAnswer(body, record.completionCap);
    const generationMs = timing.tokensPerSecond > 0 ? (1000 * pieces.length) / timing.tokensPerSecond : 0;
    if (!(await wait(timing.timeToFirstTokenMs + generationMs, res))) return;
    const completion: ChatCompletion = {
      id: `chatcmpl-fake${++completionCounter}`,
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model: body.model,
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: toolCalls.length > 0 && text === '' ? null : text,
            refusal: null,
            annotations: [],
            ...(toolCalls.length > 0
              ? {
                  tool_calls: toolCalls.map((c) => ({
                    id: c.id,
                    type: 'function' as const,
                    function: { name: c.name, arguments: c.arguments },
                  })),
                }
              : {}),
          },
          finish_reason: finishReason,
          logprobs: null,
        },
      ],
      ...(reportUsage ? { usage: usageOf(record, text, thought, toolCalls) } : {}),
    };
    record.status = 200;
    sendJson(res, 200, completion, 'CreateChatCompletionResponse', 'POST /v1/chat/completions', headers);
  };

  /** Apply a scripted fault. Returns true when the request has been dealt with. */
  const applyFault = (
    res: ServerResponse,
    record: RecordedRequest,
    fault: FakeFault,
    context: string,
    headers: Record<string, string>,
  ): boolean => {
    switch (fault.kind) {
      case 'rate_limit': {
        const retryAfterMs = fault.retryAfterMs ?? 1000;
        const type = fault.limitType ?? 'requests';
        const message =
          `Rate limit reached for ${record.model ?? 'unknown'} in organization org-fake on ${type} per min. ` +
          `Please try again in ${formatResetDuration(retryAfterMs)}.`;
        sendError(res, record, 429, errorBody(message, type, 'rate_limit_exceeded'), context, {
          ...headers,
          'retry-after': String(Math.ceil(retryAfterMs / 1000)),
          'retry-after-ms': String(retryAfterMs),
        });
        return true;
      }
      case 'insufficient_quota':
        sendError(
          res,
          record,
          429,
          errorBody(
            'You exceeded your current quota, please check your plan and billing details.',
            'insufficient_quota',
            'insufficient_quota',
          ),
          context,
          headers,
        );
        return true;
      case 'status': {
        const known = STATUS_ERRORS[fault.status] ?? {
          message: `Error ${fault.status}.`,
          type: 'server_error',
          code: null,
        };
        sendError(
          res,
          record,
          fault.status,
          errorBody(fault.message ?? known.message, known.type, known.code),
          context,
          headers,
        );
        return true;
      }
      case 'hang':
        return true; // never answer; close() or the client ends it
      case 'cut':
      case 'stall':
      case 'stream_error':
        if (record.stream) return false; // handled inside the stream
        if (fault.kind === 'cut') res.socket?.destroy();
        return true; // non-streaming stall: no answer at all
    }
  };

  const takeFault = (path: string, model: string | undefined): FakeFault | undefined => {
    const index = faults.findIndex(
      (f) => (f.path ?? '/chat/completions') === path && (f.model === undefined || f.model === model),
    );
    if (index < 0) return undefined;
    return faults.splice(index, 1)[0];
  };

  const handleChat = async (res: ServerResponse, record: RecordedRequest, body: ChatCompletionCreateParams) => {
    const context = 'POST /v1/chat/completions';
    const fault = takeFault('/chat/completions', record.model);
    if (fault) record.fault = fault.kind;
    if (fault && applyFault(res, record, fault, context, rateLimitHeaders())) return;
    if (contextWindow && exceedsWindow(record, contextWindow)) {
      sendContextError(res, record, contextWindow, context);
      return;
    }
    record.cachedTokens = promptCache.lookup(cacheMessagesOf(body), record.promptTokens);
    const admission = admit(record);
    if (!admission.ok) {
      const retryAfterMs = Math.max(1, admission.retryAfterMs);
      sendError(res, record, 429, errorBody(admission.message, admission.type, 'rate_limit_exceeded'), context, {
        ...rateLimitHeaders(),
        'retry-after': String(Math.ceil(retryAfterMs / 1000)),
        'retry-after-ms': String(retryAfterMs),
      });
      return;
    }
    const headers = rateLimitHeaders();
    if (record.stream) await streamCompletion(res, record, body, fault, headers);
    else await completeJson(res, record, body, headers);
  };

  const handleModeration = (
    res: ServerResponse,
    record: RecordedRequest,
    body: { input?: unknown; model?: string },
  ) => {
    const context = 'POST /v1/moderations';
    if (options.moderationEndpoint === false) {
      sendError(res, record, 404, errorBody('File Not Found', 'not_found_error', null), context);
      return;
    }
    const fault = takeFault('/moderations', record.model);
    if (fault) record.fault = fault.kind;
    if (fault && applyFault(res, record, fault, context, {})) return;
    const inputs = Array.isArray(body.input) ? body.input : [body.input];
    const results: Moderation[] = inputs.map((input) => {
      const text = typeof input === 'string' ? input : contentText([input]);
      const flagged = new Set(moderate(text));
      const entries = <T>(value: (category: string) => T) =>
        Object.fromEntries(MODERATION_CATEGORIES.map((c) => [c, value(c)]));
      return {
        flagged: flagged.size > 0,
        categories: entries((c) => flagged.has(c)) as unknown as Moderation.Categories,
        category_scores: entries((c) => (flagged.has(c) ? 0.98 : 0.0001)) as unknown as Moderation.CategoryScores,
        category_applied_input_types: entries(() => ['text']) as unknown as Moderation.CategoryAppliedInputTypes,
      };
    });
    const response: ModerationCreateResponse = {
      id: `modr-fake${++completionCounter}`,
      model: body.model ?? 'omni-moderation-latest',
      results,
    };
    record.status = 200;
    sendJson(res, 200, response, 'CreateModerationResponse', context);
  };

  const handleModels = (res: ServerResponse, record: RecordedRequest) => {
    const data: Model[] = models.map((id) => ({ id, object: 'model', created: 1_700_000_000, owned_by: 'openai' }));
    record.status = 200;
    sendJson(res, 200, { object: 'list', data }, 'ListModelsResponse', 'GET /v1/models');
  };

  const readBody = (req: IncomingMessage): Promise<string> =>
    new Promise((resolve, reject) => {
      const parts: Buffer[] = [];
      let size = 0;
      req.on('data', (part: Buffer) => {
        size += part.length;
        if (size > MAX_BODY_BYTES) {
          reject(new Error('body too large'));
          req.destroy();
          return;
        }
        parts.push(part);
      });
      req.on('end', () => resolve(Buffer.concat(parts).toString('utf8')));
      req.on('error', reject);
    });

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const method = req.method ?? 'GET';
    if (!url.pathname.startsWith('/v1/')) {
      const error = errorBody(`Unknown path ${url.pathname}`, 'invalid_request_error', null);
      sendError(res, undefined, 404, error, `${method} ${url.pathname}`);
      return;
    }
    const path = url.pathname.slice(3);
    const route = `${method} ${path}`;
    const raw = method === 'POST' ? await readBody(req) : '';
    let body: unknown;
    if (method === 'POST') {
      try {
        body = JSON.parse(raw);
      } catch {
        const error = errorBody('We could not parse the JSON body of your request.', 'invalid_request_error', null);
        sendError(res, undefined, 400, error, `${method} /v1${path}`);
        return;
      }
    }
    const asChat = (body ?? {}) as Partial<ChatCompletionCreateParams>;
    const isChat = route === 'POST /chat/completions';
    const record: RecordedRequest = {
      method,
      path,
      body,
      model:
        typeof (body as { model?: unknown } | undefined)?.model === 'string'
          ? (body as { model: string }).model
          : undefined,
      stream: isChat && asChat.stream === true,
      promptTokens: isChat ? Math.round(promptTokensOf(asChat) * (options.promptTokenScale ?? 1)) : 0,
      completionCap: isChat ? completionCapOf(asChat) : undefined,
      at: Date.now(),
      status: 0,
      rateLimited: false,
    };
    requests.push(record);
    const context = `${method} /v1${path}`;

    const requestSchema: SpecSchemaName | undefined = isChat
      ? 'CreateChatCompletionRequest'
      : route === 'POST /moderations'
        ? 'CreateModerationRequest'
        : undefined;
    if (requestSchema) {
      const violation = check(requestSchema, body, 'request', context);
      if (violation) {
        sendError(res, record, 400, errorBody(violation.message, 'invalid_request_error', 'spec_violation'), context);
        return;
      }
    }
    if (isChat && validate) {
      const problems = toolMessageProblems(asChat);
      if (problems.length > 0) {
        const message = `${context}: ${problems.map((p) => `at ${p.pointer}: ${p.message}`).join('; ')}`;
        const errors = problems.map((p) => ({ pointer: p.pointer, rule: 'tool-message-order', message: p.message }));
        violations.push({ direction: 'request', schema: 'CreateChatCompletionRequest', context, message, errors });
        sendError(res, record, 400, errorBody(problems[0]!.message, 'invalid_request_error', null), context);
        return;
      }
    }

    if (isChat) return handleChat(res, record, body as ChatCompletionCreateParams);
    if (route === 'POST /moderations')
      return handleModeration(res, record, body as { input?: unknown; model?: string });
    if (route === 'GET /models') return handleModels(res, record);
    sendError(
      res,
      record,
      404,
      errorBody(`Unknown route ${method} /v1${path}`, 'invalid_request_error', null),
      context,
    );
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent && !res.destroyed) {
        sendError(res, undefined, 500, errorBody(`fake failed: ${String(error)}`, 'server_error', null), 'fake');
      } else {
        res.destroy();
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  const fake: FakeOpenAI = {
    url: `http://127.0.0.1:${port}/v1`,
    port,
    requests,
    violations,
    chatRequests: () => requests.filter((r) => r.path === '/chat/completions'),
    setAnswer: (fn) => {
      answer = fn;
    },
    setTiming: (next) => {
      timing = { ...timing, ...next, chunkTokens: Math.max(1, next.chunkTokens ?? timing.chunkTokens) };
    },
    setUsage: (report) => {
      reportUsage = report;
    },
    setRateLimits,
    setModerator: (fn) => {
      moderate = fn;
    },
    setReasoning: (next) => {
      reasoning = next;
    },
    setContextWindow: (next) => {
      contextWindow = next;
    },
    fail: (...more) => {
      faults.push(...more);
    },
    pendingFaults: () => faults.length,
    clearFaults: () => {
      faults.length = 0;
    },
    clearViolations: () => {
      violations.length = 0;
    },
    assertNoViolations: () => assertNoViolations(fake),
    close: async () => {
      lifetime.abort();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
  return fake;
}
