/**
 * Discord-style rate limits: fixed-window buckets per route group and major parameter (channel, guild, webhook),
 * plus an optional global limit. Successful responses carry the X-RateLimit-* headers so @discordjs/rest can track
 * buckets and wait before exhausting them; a request over the limit gets 429 with Retry-After.
 */
import { createHash } from 'node:crypto';

export interface BucketConfig {
  readonly limit: number;
  readonly windowMs: number;
}

export interface RateLimitConfig {
  /** POST / PATCH of channel messages, shared per channel (a thread is its own channel). Default 5 per 5 s. */
  readonly messages: BucketConfig | false;
  /** Interaction webhook message create/edit (follow-ups, @original), per interaction token. Default 5 per 5 s. */
  readonly webhookMessages: BucketConfig | false;
  /** Every other bucketed route, per route and major parameter. Default 50 per 1 s. */
  readonly other: BucketConfig | false;
  /** Global limit for bot-token requests (interaction callbacks and webhook-token routes are exempt). Default off. */
  readonly global: BucketConfig | false;
}

export const DEFAULT_RATE_LIMITS: RateLimitConfig = {
  messages: { limit: 5, windowMs: 5_000 },
  webhookMessages: { limit: 5, windowMs: 5_000 },
  other: { limit: 50, windowMs: 1_000 },
  global: false,
};

export interface RateLimitHit {
  readonly at: number;
  readonly method: string;
  readonly route: string;
  readonly path: string;
  readonly bucket: string;
  readonly global: boolean;
  /** X-RateLimit-Scope of the 429: `global` (the bot's 50/s) or `user` (a route bucket). */
  readonly scope: 'global' | 'user';
  readonly retryAfterMs: number;
}

export interface RateLimitRoute {
  readonly method: string;
  readonly template: string;
  readonly params: Readonly<Record<string, string>>;
  readonly usesBotToken: boolean;
}

export type RateLimitOutcome =
  | { readonly limited: false; readonly headers: Readonly<Record<string, string>> }
  | {
      readonly limited: true;
      readonly headers: Readonly<Record<string, string>>;
      readonly retryAfterMs: number;
      readonly global: boolean;
      readonly bucket: string;
    };

class FixedWindow {
  private count = 0;
  private resetAt = 0;
  constructor(readonly config: BucketConfig) {}

  take(now: number): { allowed: boolean; remaining: number; resetAt: number } {
    if (now >= this.resetAt) {
      this.count = 0;
      this.resetAt = now + this.config.windowMs;
    }
    if (this.count >= this.config.limit) return { allowed: false, remaining: 0, resetAt: this.resetAt };
    this.count += 1;
    return { allowed: true, remaining: this.config.limit - this.count, resetAt: this.resetAt };
  }
}

const shortHash = (text: string): string => createHash('sha1').update(text).digest('hex').slice(0, 16);

const MESSAGE_ROUTES = new Set([
  'POST /channels/{channel_id}/messages',
  'PATCH /channels/{channel_id}/messages/{message_id}',
]);
const WEBHOOK_MESSAGE_ROUTES = new Set([
  'POST /webhooks/{webhook_id}/{webhook_token}',
  'PATCH /webhooks/{webhook_id}/{webhook_token}/messages/@original',
  'PATCH /webhooks/{webhook_id}/{webhook_token}/messages/{message_id}',
]);
/** Interaction callbacks are not bucketed (@discordjs/rest sends them through its burst handler). */
const UNBUCKETED_ROUTES = new Set(['POST /interactions/{interaction_id}/{interaction_token}/callback']);

export class RateLimiter {
  private readonly windows = new Map<string, FixedWindow>();
  private globalWindow: FixedWindow | null;

  constructor(private readonly config: RateLimitConfig) {
    this.globalWindow = config.global ? new FixedWindow(config.global) : null;
  }

  check(route: RateLimitRoute, now: number = Date.now()): RateLimitOutcome {
    if (route.usesBotToken && this.globalWindow) {
      const global = this.globalWindow.take(now);
      if (!global.allowed) {
        const retryAfterMs = Math.max(1, global.resetAt - now);
        return {
          limited: true,
          retryAfterMs,
          global: true,
          bucket: 'global',
          headers: {
            'Retry-After': String(Math.ceil(retryAfterMs / 1000)),
            'X-RateLimit-Global': 'true',
            'X-RateLimit-Scope': 'global',
          },
        };
      }
    }
    const key = `${route.method} ${route.template}`;
    if (UNBUCKETED_ROUTES.has(key)) return { limited: false, headers: {} };
    const { config, group, major } = this.classify(key, route.params);
    if (!config) return { limited: false, headers: {} };
    const bucketHash = shortHash(group);
    const windowKey = `${group}:${major}`;
    let window = this.windows.get(windowKey);
    if (!window) {
      window = new FixedWindow(config);
      this.windows.set(windowKey, window);
    }
    const taken = window.take(now);
    const resetAfterMs = Math.max(0, taken.resetAt - now);
    const headers: Record<string, string> = {
      'X-RateLimit-Limit': String(config.limit),
      'X-RateLimit-Remaining': String(taken.remaining),
      'X-RateLimit-Reset': (taken.resetAt / 1000).toFixed(3),
      'X-RateLimit-Reset-After': (resetAfterMs / 1000).toFixed(3),
      'X-RateLimit-Bucket': bucketHash,
    };
    if (taken.allowed) return { limited: false, headers };
    const retryAfterMs = Math.max(1, resetAfterMs);
    return {
      limited: true,
      retryAfterMs,
      global: false,
      bucket: bucketHash,
      headers: { ...headers, 'Retry-After': String(Math.ceil(retryAfterMs / 1000)), 'X-RateLimit-Scope': 'user' },
    };
  }

  private classify(
    key: string,
    params: Readonly<Record<string, string>>,
  ): { config: BucketConfig | false; group: string; major: string } {
    if (MESSAGE_ROUTES.has(key))
      return { config: this.config.messages, group: 'channel-messages', major: params.channel_id ?? '' };
    if (WEBHOOK_MESSAGE_ROUTES.has(key)) {
      return {
        config: this.config.webhookMessages,
        group: 'webhook-messages',
        major: `${params.webhook_id ?? ''}/${params.webhook_token ?? ''}`,
      };
    }
    const major =
      params.channel_id ??
      params.guild_id ??
      (params.webhook_id ? `${params.webhook_id}/${params.webhook_token ?? ''}` : '');
    return { config: this.config.other, group: key, major };
  }
}
