import { describe, expect, it } from 'vitest';
import { shardPlace } from '../../../src/coordination/processShare.js';
import { metricsPortFor } from '../../../src/ops/startOps.js';

describe('the ops server port under shards', () => {
  it('is METRICS_PORT for one process and METRICS_PORT + shard id for each shard', () => {
    expect(metricsPortFor(9100, undefined)).toBe(9100);
    expect(metricsPortFor(9100, shardPlace({ SHARDING_MANAGER: 'true', SHARDS: '0', SHARD_COUNT: '2' }))).toBe(9100);
    expect(metricsPortFor(9100, shardPlace({ SHARDING_MANAGER: 'true', SHARDS: '1', SHARD_COUNT: '2' }))).toBe(9101);
    // 0 asks the system for a free port: every shard gets its own anyway.
    expect(metricsPortFor(0, shardPlace({ SHARDING_MANAGER: 'true', SHARDS: '1', SHARD_COUNT: '2' }))).toBe(0);
  });
});
