import { describe, expect, it } from 'vitest';
import { createMetrics } from '../../../src/ops/metrics.js';
import { aggregatedShardMetrics } from '../../../src/ops/shardMetrics.js';
import { parsePrometheusText, sampleValue } from './promText.js';

describe('aggregated shard metrics', () => {
  it('sums counters and streams across shards and takes the shared limiter headroom once (min)', async () => {
    const shards = [createMetrics({ defaultMetrics: false }), createMetrics({ defaultMetrics: false })];
    shards.forEach((m, i) => {
      m.turnEnded('answered');
      m.streamStarted();
      m.setLimiterProbe(() => ({ queued: i + 1, requestsHeadroom: 400 + i, tokensHeadroom: 1000 }));
    });
    shards[1]?.turnEnded('answered');
    const merged = aggregatedShardMetrics(() => Promise.all(shards.map((m) => m.json())));
    const { samples } = parsePrometheusText(await merged.text());
    expect(sampleValue(samples, 'discord_bot_turns_total', { outcome: 'answered' })).toBe(3);
    expect(sampleValue(samples, 'discord_bot_active_streams')).toBe(2);
    expect(sampleValue(samples, 'discord_bot_limiter_queue_length')).toBe(3);
    expect(sampleValue(samples, 'discord_bot_limiter_headroom', { resource: 'requests' })).toBe(400);
  });
});
