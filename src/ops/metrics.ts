import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { BoundedLabels } from './boundedLabels.js';

/** Token counts of one model call, as the usage block reports them. */
export interface TokenUsage {
  prompt: number;
  /** Prompt tokens served from the provider's prompt cache (a subset of `prompt`). */
  cached: number;
  completion: number;
  /** Reasoning tokens (a subset of `completion` on OpenAI). */
  reasoning: number;
}

export interface LimiterProbe {
  queued: number;
  requestsHeadroom: number;
  tokensHeadroom: number;
}

/** What the rest of the bot reports. Label values are bounded (see BoundedLabels) so a typo cannot explode series. */
export interface BotMetrics {
  turnEnded(outcome: string): void;
  tokens(model: string, usage: TokenUsage, costUsd: number): void;
  modelTiming(model: string, firstTokenMs: number | undefined, totalMs: number): void;
  discordRequest(kind: string): void;
  discordRateLimited(scope: string): void;
  streamStarted(): void;
  streamEnded(): void;
  toolCall(outcome: string): void;
  /** Read on every scrape; the last probe set wins. */
  setLimiterProbe(probe: () => LimiterProbe): void;
  /** Prometheus text, for /metrics. */
  text(): Promise<string>;
  readonly contentType: string;
}

const FIRST_TOKEN_BUCKETS_S = [0.1, 0.25, 0.5, 1, 2, 4, 8, 16, 32];
const DURATION_BUCKETS_S = [0.5, 1, 2, 4, 8, 16, 32, 64, 128, 300];
const TOKEN_KINDS = ['prompt', 'cached', 'completion', 'reasoning'] as const;

/** A fresh registry per call (never prom-client's global one), so tests and shards can hold several. */
export function createMetrics(options: { prefix?: string; defaultMetrics?: boolean } = {}): BotMetrics {
  const registry = new Registry();
  const p = options.prefix ?? 'discord_bot_';
  // Default metrics bring process CPU/RSS/heap/handles and nodejs_eventloop_lag_seconds (+ percentiles).
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 10 });
  const registers = [registry];
  const labels = new BoundedLabels();

  const turns = new Counter({
    name: `${p}turns_total`,
    help: 'Turns finished, by outcome',
    labelNames: ['outcome'],
    registers,
  });
  const tokens = new Counter({
    name: `${p}tokens_total`,
    help: 'Model tokens, by kind and model',
    labelNames: ['kind', 'model'],
    registers,
  });
  const cost = new Counter({
    name: `${p}cost_usd_total`,
    help: 'Estimated model cost in US dollars, by model',
    labelNames: ['model'],
    registers,
  });
  const firstToken = new Histogram({
    name: `${p}model_first_token_seconds`,
    help: 'Time to the first streamed token',
    labelNames: ['model'],
    buckets: FIRST_TOKEN_BUCKETS_S,
    registers,
  });
  const duration = new Histogram({
    name: `${p}model_duration_seconds`,
    help: 'Duration of a model call',
    labelNames: ['model'],
    buckets: DURATION_BUCKETS_S,
    registers,
  });
  const discordRequests = new Counter({
    name: `${p}discord_requests_total`,
    help: 'Discord REST writes, by kind',
    labelNames: ['kind'],
    registers,
  });
  const rateLimited = new Counter({
    name: `${p}discord_rate_limited_total`,
    help: 'Discord 429s, by scope',
    labelNames: ['scope'],
    registers,
  });
  const streams = new Gauge({ name: `${p}active_streams`, help: 'Answers streaming right now', registers });
  const toolCalls = new Counter({
    name: `${p}tool_calls_total`,
    help: 'Tool calls, by outcome',
    labelNames: ['outcome'],
    registers,
  });

  let probe: (() => LimiterProbe) | undefined;
  new Gauge({
    name: `${p}limiter_queue_length`,
    help: 'Model requests waiting for the limiter',
    registers,
    collect() {
      if (probe) this.set(probe().queued);
    },
  });
  new Gauge({
    name: `${p}limiter_headroom`,
    help: 'What the limiter may still send this window, by resource',
    // Shards share one limiter (Redis), so each reports the same headroom: aggregate with min, never sum.
    labelNames: ['resource'],
    registers,
    aggregator: 'min',
    collect() {
      if (!probe) return;
      const now = probe();
      this.set({ resource: 'requests' }, now.requestsHeadroom);
      this.set({ resource: 'tokens' }, now.tokensHeadroom);
    },
  });
  // Zero-valued series from the start, so rate() works from the first scrape and dashboards show 0, not "no data".
  streams.set(0);

  return {
    turnEnded: (outcome) => turns.inc({ outcome: labels.value('outcome', outcome) }),
    tokens(model, usage, costUsd) {
      const m = labels.value('model', model);
      for (const kind of TOKEN_KINDS) if (usage[kind] > 0) tokens.inc({ kind, model: m }, usage[kind]);
      if (costUsd > 0) cost.inc({ model: m }, costUsd);
    },
    modelTiming(model, firstTokenMs, totalMs) {
      const m = labels.value('model', model);
      if (firstTokenMs !== undefined) firstToken.observe({ model: m }, firstTokenMs / 1000);
      duration.observe({ model: m }, totalMs / 1000);
    },
    discordRequest: (kind) => discordRequests.inc({ kind: labels.value('kind', kind) }),
    discordRateLimited: (scope) => rateLimited.inc({ scope: labels.value('scope', scope) }),
    streamStarted: () => streams.inc(),
    streamEnded: () => streams.dec(),
    toolCall: (outcome) => toolCalls.inc({ outcome: labels.value('tool_outcome', outcome) }),
    setLimiterProbe: (next) => {
      probe = next;
    },
    text: () => registry.metrics(),
    contentType: registry.contentType,
  };
}

// Without METRICS_PORT the bot never loads this module (prom-client): see noopMetrics.ts.
export { noopMetrics } from './noopMetrics.js';
