/**
 * The one Redis connection a process shares between the limiter, the write budget and the user limits, and the one
 * place that knows whether Redis is up. Commands fail at once while it is down (no offline queue), so callers fall
 * back to their per-process share instead of hanging; ioredis keeps reconnecting and `up` flips back on `ready`.
 * One warning per outage and one line on recovery, however many parts are falling back.
 */
import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from '../log.js';

/** Reconnect quickly at first, then every second: an outage should end within a second of Redis returning. */
const RECONNECT_MAX_MS = 1_000;
const CONNECT_TIMEOUT_MS = 2_000;

export type RedisStateListener = (up: boolean) => void;

export interface RedisHub {
  /** For commands. */
  readonly client: Redis;
  /** Whether commands can be sent right now. */
  isUp(): boolean;
  /** Called on every change of `isUp()`. Returns an unsubscribe function. */
  onChange(listener: RedisStateListener): () => void;
  /** A second connection for SUBSCRIBE (a subscribed connection cannot send other commands). */
  subscriber(): Redis;
  close(): Promise<void>;
}

export interface RedisHubOptions {
  logger?: Pick<Logger, 'warn' | 'info'>;
  /** Shown in the log lines; never the URL (it may hold a password). */
  name?: string;
}

export function redisOptions(): RedisOptions {
  return {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: CONNECT_TIMEOUT_MS,
    retryStrategy: (attempt) => Math.min(50 * 2 ** attempt, RECONNECT_MAX_MS),
    lazyConnect: false,
  };
}

export function connectRedis(url: string, options: RedisHubOptions = {}): RedisHub {
  const client = new Redis(url, redisOptions());
  const listeners = new Set<RedisStateListener>();
  const subscribers: Redis[] = [];
  let up = false;
  let warned = false;
  let closing = false;
  const name = options.name ?? 'redis';

  const warnOnce = (error: unknown) => {
    if (warned) return;
    warned = true;
    const reason = error instanceof Error ? error.message : 'connection closed';
    options.logger?.warn({ redis: name, reason }, 'Redis is unreachable: limits fall back to this process’s share');
  };
  const set = (next: boolean, error?: unknown) => {
    if (closing) return;
    if (!next) warnOnce(error);
    if (next === up) return;
    up = next;
    if (next && warned) {
      warned = false;
      options.logger?.info({ redis: name }, 'Redis is back: limits are shared again');
    }
    for (const listener of listeners) listener(next);
  };
  let lastError: unknown;
  client.on('ready', () => set(true));
  client.on('error', (error: unknown) => {
    lastError = error;
    // Also covers a Redis that is down at start, which never emits 'close' after 'ready'.
    if (!up) warnOnce(error);
  });
  client.on('close', () => set(false, lastError));
  client.on('end', () => set(false, lastError));

  return {
    client,
    isUp: () => up,
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    subscriber() {
      // SUBSCRIBE must wait for the connection (and ioredis re-sends it after a reconnect): queue it.
      const sub = client.duplicate({ enableOfflineQueue: true, maxRetriesPerRequest: null });
      sub.on('error', () => undefined);
      subscribers.push(sub);
      return sub;
    },
    async close() {
      closing = true;
      listeners.clear();
      for (const sub of subscribers) sub.disconnect();
      await client.quit().catch(() => client.disconnect());
    },
  };
}

/** Resolves once the hub is up, or after `timeoutMs` (then the caller starts on its fallback share). */
export function whenUp(hub: RedisHub, timeoutMs: number): Promise<boolean> {
  if (hub.isUp()) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      off();
      resolve(false);
    }, timeoutMs);
    const off = hub.onChange((up) => {
      if (!up) return;
      clearTimeout(timer);
      off();
      resolve(true);
    });
  });
}
