/**
 * Every REST request the bot makes goes through the bot-wide WriteBudget here, at discord.js's `makeRequest`:
 * that hook runs for each HTTP attempt after @discordjs/rest has waited out the route's bucket (X-RateLimit-*
 * headers), so thread creation, posts, edits, typing and the requests discord.js makes by itself are all counted,
 * at the moment they really leave. Interaction callbacks and interaction webhooks (sent without the bot token) are
 * exempt from Discord's global limit and pass straight through.
 *
 * Callers say how urgent a request is with withRestPriority(); the renderer takes its grant before choosing the
 * text of an edit (so the edit carries the latest text) and hands it over as `preGranted`.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { DefaultRestOptions, type RESTOptions } from 'discord.js';
import type { WriteBudget, WritePriority } from '../render/writeBudget.js';

export type MakeRequest = RESTOptions['makeRequest'];

interface RestContext {
  readonly priority: WritePriority;
  /** Whether 5xx and network failures are retried here (the renderer retries its own writes with fresh text). */
  readonly retry: boolean;
  /** When the caller already took a grant for this request (consumed by the first attempt). */
  grantedAt: number | undefined;
}

const contexts = new AsyncLocalStorage<RestContext>();

/** A grant older than this was taken before a bucket wait: the request takes a fresh one when it really leaves. */
const PRE_GRANT_FRESH_MS = 100;
export const DEFAULT_REST_RETRIES = 3;
const RETRY_BACKOFF_MS = 300;

export interface RestPriorityOptions {
  priority: WritePriority;
  /** The caller took a budget grant just now. */
  preGranted?: boolean;
  /** Retry 5xx and network failures with backoff here (default true). */
  retry?: boolean;
}

/** Run `request` (one discord.js call) with this priority for every REST request it makes. */
export function withRestPriority<T>(options: RestPriorityOptions, request: () => Promise<T>): Promise<T> {
  const context: RestContext = {
    priority: options.priority,
    retry: options.retry ?? true,
    grantedAt: options.preGranted ? Date.now() : undefined,
  };
  return contexts.run(context, request);
}

function hasBotToken(init: Parameters<MakeRequest>[1]): boolean {
  const headers = init.headers;
  if (!headers) return false;
  if (headers instanceof Headers) return headers.has('authorization');
  if (Array.isArray(headers)) return headers.some(([name]) => name?.toLowerCase() === 'authorization');
  return Object.keys(headers).some((name) => name.toLowerCase() === 'authorization');
}

const isTyping = (url: string): boolean => /\/channels\/\d+\/typing$/.test(new URL(url).pathname);

function takePreGrant(context: RestContext | undefined): boolean {
  const grantedAt = context?.grantedAt;
  if (context) context.grantedAt = undefined;
  return grantedAt !== undefined && Date.now() - grantedAt <= PRE_GRANT_FRESH_MS;
}

export interface BudgetedRequestOptions {
  /** The real transport; discord.js's default strategy. */
  base?: MakeRequest;
  /** Retries of a 5xx or network failure, with backoff (discord.js's own retries are turned off). */
  retries?: number;
  backoffMs?: number;
}

/** discord.js's `makeRequest`, gated by the budget and retrying server errors with backoff instead of at once. */
export function budgetedMakeRequest(budget: WriteBudget, options: BudgetedRequestOptions = {}): MakeRequest {
  const base = options.base ?? DefaultRestOptions.makeRequest;
  const backoffMs = options.backoffMs ?? RETRY_BACKOFF_MS;
  return async (url, init) => {
    if (!hasBotToken(init)) return base(url, init);
    const context = contexts.getStore();
    const priority = context?.priority ?? (isTyping(url) ? 'spare' : 'urgent');
    const retries = context?.retry === false ? 0 : (options.retries ?? DEFAULT_REST_RETRIES);
    const signal = init.signal ?? undefined;
    for (let attempt = 0; ; attempt++) {
      if (!(attempt === 0 && takePreGrant(context))) await budget.acquire(priority, signal);
      const last = attempt >= retries;
      try {
        const response = await base(url, init);
        if (response.status < 500 || last) return response;
        await response.arrayBuffer().catch(() => undefined); // free the connection before retrying
      } catch (error) {
        if (last || signal?.aborted) throw error;
      }
      await sleep(backoffMs * 2 ** attempt, undefined, { signal });
    }
  };
}
