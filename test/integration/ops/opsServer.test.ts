import { request, Agent } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { createMetrics, type BotMetrics } from '../../../src/ops/metrics.js';
import { startOpsServer, type OpsServer, type OpsServerOptions } from '../../../src/ops/opsServer.js';
import { STATUS_DAYS, type StatusSnapshot } from '../../../src/ops/statusTypes.js';
import { parsePrometheusText, sampleValue } from './promText.js';

const P = 'discord_bot_';
const emptyStatus = (): StatusSnapshot => ({
  liveStreams: 0,
  limiter: { requestsHeadroom: 0, tokensHeadroom: 0, queued: 0 },
  days: [],
  busiestGuilds: [],
});

describe('ops server: /metrics, /status.json, routing and lifecycle', () => {
  let server: OpsServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  const start = async (metrics: BotMetrics, extra: Partial<OpsServerOptions> = {}) => {
    server = await startOpsServer({
      host: '127.0.0.1',
      port: 0,
      metrics,
      statusCacheMs: 0,
      health: { gatewayConnected: () => true, pingStore: async () => undefined },
      statusSource: async () => emptyStatus(),
      ...extra,
    });
    return server;
  };
  const scrape = async (s: OpsServer) => {
    const response = await fetch(`${s.url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    return parsePrometheusText(await response.text());
  };

  it('serves Prometheus text whose counters, histograms and gauges move with the API calls', async () => {
    const metrics = createMetrics();
    const s = await start(metrics);
    const before = await scrape(s);
    expect(sampleValue(before.samples, `${P}active_streams`)).toBe(0);
    expect(sampleValue(before.samples, `${P}turns_total`, { outcome: 'answered' })).toBeUndefined();
    // Default metrics: process memory and the event-loop lag are there from the first scrape.
    expect(sampleValue(before.samples, 'process_resident_memory_bytes')).toBeGreaterThan(0);
    expect(before.types.get('nodejs_eventloop_lag_seconds')).toBe('gauge');

    let headroom = { queued: 3, requestsHeadroom: 480, tokensHeadroom: 150_000 };
    metrics.setLimiterProbe(() => headroom);
    metrics.turnEnded('answered');
    metrics.turnEnded('answered');
    metrics.turnEnded('failed');
    metrics.tokens('gpt-4o-mini', { prompt: 1200, cached: 1024, completion: 300, reasoning: 0 }, 0.0012);
    metrics.modelTiming('gpt-4o-mini', 420, 3_100);
    metrics.discordRequest('edit');
    metrics.discordRateLimited('user');
    metrics.toolCall('ok');
    metrics.streamStarted();
    metrics.streamStarted();
    metrics.streamEnded();

    const { samples, types } = await scrape(s);
    expect(sampleValue(samples, `${P}turns_total`, { outcome: 'answered' })).toBe(2);
    expect(sampleValue(samples, `${P}turns_total`, { outcome: 'failed' })).toBe(1);
    expect(sampleValue(samples, `${P}tokens_total`, { kind: 'cached', model: 'gpt-4o-mini' })).toBe(1024);
    expect(sampleValue(samples, `${P}tokens_total`, { kind: 'completion', model: 'gpt-4o-mini' })).toBe(300);
    expect(sampleValue(samples, `${P}cost_usd_total`, { model: 'gpt-4o-mini' })).toBeCloseTo(0.0012, 9);
    expect(types.get(`${P}model_first_token_seconds`)).toBe('histogram');
    expect(sampleValue(samples, `${P}model_first_token_seconds_bucket`, { model: 'gpt-4o-mini', le: '0.25' })).toBe(0);
    expect(sampleValue(samples, `${P}model_first_token_seconds_bucket`, { model: 'gpt-4o-mini', le: '0.5' })).toBe(1);
    expect(sampleValue(samples, `${P}model_duration_seconds_sum`, { model: 'gpt-4o-mini' })).toBeCloseTo(3.1);
    expect(sampleValue(samples, `${P}discord_requests_total`, { kind: 'edit' })).toBe(1);
    expect(sampleValue(samples, `${P}discord_rate_limited_total`, { scope: 'user' })).toBe(1);
    expect(sampleValue(samples, `${P}tool_calls_total`, { outcome: 'ok' })).toBe(1);
    expect(sampleValue(samples, `${P}active_streams`)).toBe(1);
    expect(sampleValue(samples, `${P}limiter_queue_length`)).toBe(3);
    expect(sampleValue(samples, `${P}limiter_headroom`, { resource: 'tokens' })).toBe(150_000);

    headroom = { queued: 0, requestsHeadroom: 499, tokensHeadroom: 149_000 };
    const later = await scrape(s);
    expect(sampleValue(later.samples, `${P}limiter_headroom`, { resource: 'requests' })).toBe(499);
    expect(sampleValue(later.samples, `${P}limiter_queue_length`)).toBe(0);
  });

  it('serves 30 days oldest first, drops what the page must not show, and answers other paths 404/405', async () => {
    const today = new Date().toISOString().slice(0, 10);
    const leaky = { guildId: '200000000000000001', tokens: 900, name: 'Secret Club', lastMessage: 'hello there' };
    const s = await start(createMetrics({ defaultMetrics: false }), {
      statusSource: async () => ({
        ...emptyStatus(),
        days: [{ day: today, tokens: 1500, costUsd: 0.25 }],
        busiestGuilds: [leaky],
      }),
    });
    const body = await (await fetch(`${s.url}/status.json`)).text();
    expect(body).not.toMatch(/Secret Club|hello there/);
    const doc = JSON.parse(body) as { days: { day: string; tokens: number }[]; busiestGuilds: unknown[] };
    expect(doc.days).toHaveLength(STATUS_DAYS);
    expect(doc.days.at(-1)).toEqual({ day: today, tokens: 1500, costUsd: 0.25 });
    expect(doc.busiestGuilds).toEqual([{ guildId: '200000000000000001', tokens: 900 }]);

    expect((await fetch(`${s.url}/nope`)).status).toBe(404);
    const post = await fetch(`${s.url}/metrics`, { method: 'POST', body: 'x' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    const page = await fetch(`${s.url}/`);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
  });

  it('answers 500 with a plain line, not a stack, when the status source fails', async () => {
    const s = await start(createMetrics({ defaultMetrics: false }), {
      statusSource: async () => {
        throw new Error('SQLITE_CANTOPEN /secret/path/bot.sqlite');
      },
    });
    const response = await fetch(`${s.url}/status.json`);
    expect(response.status).toBe(500);
    expect(await response.text()).toBe('status unavailable\n');
  });

  it('binds to loopback by default host and reports the port it got', async () => {
    const s = await start(createMetrics({ defaultMetrics: false }));
    expect(s.host).toBe('127.0.0.1');
    expect(s.port).toBeGreaterThan(0);
    expect(s.url).toBe(`http://127.0.0.1:${s.port}`);
  });

  it('close() ends idle keep-alive connections instead of waiting for them', async () => {
    const s = await start(createMetrics({ defaultMetrics: false }));
    const agent = new Agent({ keepAlive: true, keepAliveMsecs: 60_000 });
    const socketClosed = new Promise<void>((resolve, reject) => {
      const req = request(`${s.url}/healthz`, { agent }, (res) => {
        res.resume();
        res.on('end', () => req.socket?.once('close', () => resolve()));
      });
      req.on('error', reject);
      req.end();
    });
    await new Promise<void>((resolve) => agent.once('free', () => resolve()));
    const started = Date.now();
    await s.close();
    server = undefined;
    await socketClosed;
    expect(Date.now() - started).toBeLessThan(1_000);
    agent.destroy();
  });
});
