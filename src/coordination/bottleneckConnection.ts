/**
 * The one Redis connection bottleneck's limiters of this process share, with two of its quirks handled:
 * - it unsubscribes a removed limiter's channels without awaiting or catching the result, which rejects unhandled
 *   while Redis is down (a channel of a dropped limiter needs no unsubscribe then);
 * - channels are named after the limiter id, which a rebuilt limiter shares with the one it replaces: were the old
 *   one's late unsubscribe to land after the new one subscribed, it would remove the new one's channel, and its queued
 *   calls would never hear that capacity came back. `whenUnsubscribed` lets a rebuild wait for those first.
 */
import Bottleneck from 'bottleneck';
import type { RedisHub } from './redisConnection.js';

/** Longest a rebuild waits for a dropped limiter's unsubscribe (Redis may be slow to answer just after a restart). */
const UNSUBSCRIBE_WAIT_MS = 2_000;

type Subscriber = { unsubscribe(...channels: string[]): Promise<unknown> };

export interface LimiterConnection {
  readonly connection: Bottleneck.IORedisConnection;
  /** Resolves once every unsubscribe started so far has finished and bottleneck has forgotten those channels. */
  whenUnsubscribed(): Promise<void>;
}

export function limiterConnection(hub: RedisHub): LimiterConnection {
  const connection = new Bottleneck.IORedisConnection({ client: hub.client });
  // Failures surface as rejected scripts (the limiter handles them); an unheard 'error' event must not crash us.
  connection.on('error', () => undefined);
  const subscriber = (connection as unknown as { subscriber: Subscriber }).subscriber;
  const unsubscribe = subscriber.unsubscribe.bind(subscriber);
  const pending = new Set<Promise<unknown>>();
  subscriber.unsubscribe = (...channels) => {
    const done = unsubscribe(...channels).catch(() => undefined);
    pending.add(done);
    void done.then(() => pending.delete(done));
    return done;
  };
  return {
    connection,
    async whenUnsubscribed() {
      const bound = new Promise((resolve) => setTimeout(resolve, UNSUBSCRIBE_WAIT_MS).unref());
      await Promise.race([Promise.all(pending), bound]);
      // bottleneck deletes its channel entry in the step after its unsubscribe resolves.
      await new Promise((resolve) => setImmediate(resolve));
    },
  };
}
