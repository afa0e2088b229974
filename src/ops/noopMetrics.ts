import type { BotMetrics } from './metrics.js';

/** For METRICS_PORT unset: every call is free and nothing is registered (and prom-client is never loaded). */
export function noopMetrics(): BotMetrics {
  const nothing = (): void => undefined;
  return {
    turnEnded: nothing,
    tokens: nothing,
    modelTiming: nothing,
    discordRequest: nothing,
    discordRateLimited: nothing,
    streamStarted: nothing,
    streamEnded: nothing,
    toolCall: nothing,
    setLimiterProbe: nothing,
    text: async () => '',
    contentType: 'text/plain; version=0.0.4; charset=utf-8',
  };
}
