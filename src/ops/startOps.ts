import { Status, type Client } from 'discord.js';
import type { Config } from '../config/config.js';
import { shardPlace } from '../coordination/processShare.js';
import type { ModelRateLimiter } from '../llm/limiter.js';
import type { Logger } from '../log.js';
import type { Store } from '../store/types.js';
import type { BotMetrics } from './metrics.js';
import { startOpsServer, type OpsServer } from './opsServer.js';
import { usageStatusSource } from './usageStatus.js';

const LIMITER_SAMPLE_MS = 1_000;

export interface OpsParts {
  config: Config;
  metrics: BotMetrics;
  client: Client;
  store: Store;
  limiter: ModelRateLimiter;
  liveStreams: () => number;
  logger: Logger;
}

/**
 * With shards, each shard process serves its own metrics: METRICS_PORT + its first shard id (0 stays 0: an
 * ephemeral port, for tests).
 */
export function metricsPortFor(port: number, place = shardPlace()): number {
  return port === 0 || !place ? port : port + (place.ids[0] ?? 0);
}

/** The operator's HTTP server (metrics, health, status page) when METRICS_PORT is set; undefined otherwise. */
export async function startOps(parts: OpsParts): Promise<OpsServer | undefined> {
  const { config, metrics, client, store, limiter, logger } = parts;
  if (config.metricsPort === undefined) return undefined;
  // The limiter's reservoirs are read asynchronously; scrapes read the latest sample.
  let sample = { queued: 0, requestsHeadroom: limiter.capacity.requests, tokensHeadroom: limiter.capacity.tokens };
  const sampler = setInterval(() => {
    void limiter.available().then(
      (free) => (sample = { queued: limiter.queued(), requestsHeadroom: free.requests, tokensHeadroom: free.tokens }),
      () => undefined,
    );
  }, LIMITER_SAMPLE_MS);
  sampler.unref();
  metrics.setLimiterProbe(() => sample);
  const server = await startOpsServer({
    host: config.metricsHost,
    port: metricsPortFor(config.metricsPort),
    metrics,
    logger,
    health: {
      gatewayConnected: () => client.isReady() && client.ws.shards.every((shard) => shard.status === Status.Ready),
      pingStore: () => store.ping(),
    },
    statusSource: usageStatusSource({
      usage: store,
      guildIds: () => client.guilds.cache.keys(),
      live: () => ({ liveStreams: parts.liveStreams(), limiter: sample }),
    }),
  });
  logger.info({ url: server.url }, 'ops server listening (/metrics, /healthz, /)');
  return {
    ...server,
    close: async () => {
      clearInterval(sampler);
      await server.close();
    },
  };
}
