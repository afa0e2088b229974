import { AggregatorRegistry, type MetricObjectWithValues, type MetricValue } from 'prom-client';
import type { MetricsText } from './opsServer.js';

export type ShardMetricsJson = MetricObjectWithValues<MetricValue<string>>[];

/**
 * With DISCORD_SHARDS > 1 the ShardingManager serves one /metrics for all shards: on each scrape it asks every shard
 * for `metrics.json()` (over discord.js IPC, e.g. `manager.broadcastEval(() => globalThis.botMetrics.json())`)
 * and this merges them — counters and histograms are summed, limiter headroom takes the minimum.
 */
export function aggregatedShardMetrics(fetchAll: () => Promise<ShardMetricsJson[]>): MetricsText {
  const contentType = AggregatorRegistry.PROMETHEUS_CONTENT_TYPE;
  return {
    contentType,
    text: async () => AggregatorRegistry.aggregate(await fetchAll()).metrics(),
  };
}
