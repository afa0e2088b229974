/**
 * The per-user messages-per-minute limit shared by every process through Redis pub/sub. Admission stays synchronous
 * and in arrival order: each process decides from its own view, which holds its own admissions and every other
 * process's, announced on a channel the moment they are taken (sub-millisecond on one network). Two processes can
 * both admit the same user's message only within that announcement's flight time, and a user's messages normally
 * reach one shard anyway. A process that starts fresh knows nothing of the last minute: a restart forgives, as the
 * in-process limit does. While Redis is down each process enforces the limit on what it sees itself.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { SlidingWindowLimit } from '../conversation/slidingWindowLimit.js';
import type { RedisHub } from './redisConnection.js';
import type { UserRateLimit, UserSlot } from './userRateLimit.js';

const DEFAULT_CHANNEL = 'bot:user-messages';

export interface SharedUserLimitOptions {
  hub: RedisHub;
  perMinute: number;
  channel?: string;
}

export class SharedUserLimit implements UserRateLimit {
  private readonly view: SlidingWindowLimit;
  private readonly origin = randomUUID();
  private readonly channel: string;
  private readonly subscriber: Redis;
  private heardCount = 0;
  /** Resolves once this process hears the others. */
  readonly ready: Promise<void>;

  constructor(private readonly options: SharedUserLimitOptions) {
    this.view = new SlidingWindowLimit(options.perMinute);
    this.channel = options.channel ?? DEFAULT_CHANNEL;
    this.subscriber = options.hub.subscriber();
    this.subscriber.on('message', (_channel: string, message: string) => this.onAnnouncement(message));
    // ioredis resubscribes by itself after a reconnect.
    this.ready = this.subscriber.subscribe(this.channel).then(
      () => undefined,
      () => undefined,
    );
  }

  take(key: string, now: number): UserSlot {
    const slot = this.view.take(key, now);
    if (slot.ok && this.options.hub.isUp()) {
      this.options.hub.client.publish(this.channel, JSON.stringify([this.origin, key, now])).catch(() => undefined);
    }
    return slot;
  }

  /** Admissions announced by other processes so far. */
  get heard(): number {
    return this.heardCount;
  }

  close(): void {
    this.subscriber.disconnect();
  }

  private onAnnouncement(message: string): void {
    try {
      const [origin, key, at] = JSON.parse(message) as [string, string, number];
      if (origin === this.origin || typeof key !== 'string' || typeof at !== 'number') return;
      this.heardCount += 1;
      this.view.record(key, at);
    } catch {
      // Not ours: ignore.
    }
  }
}
