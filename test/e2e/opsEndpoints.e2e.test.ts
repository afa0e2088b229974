import { describe, expect, it } from 'vitest';
import { parsePrometheusText, sampleValue, type Sample } from '../integration/ops/promText.js';
import { ownListeningPorts } from '../helpers/listeningPorts.js';
import { harnessPerTest, type Harness } from './harness.js';
import { waitForAnswer } from './waitForAnswer.js';

const P = 'discord_bot_';

const scrape = async (h: Harness): Promise<Sample[]> => {
  const response = await fetch(`${h.bot.opsUrl}/metrics`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return parsePrometheusText(await response.text()).samples;
};

const healthz = async (h: Harness) => {
  const response = await fetch(`${h.bot.opsUrl}/healthz`);
  return { status: response.status, body: (await response.text()).trim() };
};

/** One member's question answered in a new thread; resolves once the answer is final. */
async function oneTurn(h: Harness, content: string): Promise<void> {
  const asked = h.discord.sendMessage({ content, mentionsBot: true });
  const thread = await h.discord.waitForThread({ fromMessageId: asked.id });
  await waitForAnswer(h.discord, thread.id);
}

describe('the ops server of a running bot (METRICS_PORT)', () => {
  const start = harnessPerTest();

  it('binds loopback only, on the port it reports, and only while the bot runs', async () => {
    const h = await start({ env: { METRICS_PORT: '0' } });
    const url = new URL(h.bot.opsUrl ?? 'http://unset.invalid');
    expect(url.hostname).toBe('127.0.0.1');
    const port = Number(url.port);
    expect(ownListeningPorts().has(port)).toBe(true);
    await h.bot.stop(1_000);
    expect(ownListeningPorts().has(port)).toBe(false);
  });

  it('opens no port at all when METRICS_PORT is unset', async () => {
    const h = await start();
    expect(h.bot.opsUrl).toBeUndefined();
    const withBot = ownListeningPorts();
    await h.bot.stop(1_000);
    // What the bot itself listened on = what disappears with it (the fakes keep theirs): nothing.
    const bots = [...withBot].filter((port) => !ownListeningPorts().has(port));
    expect(bots).toEqual([]);
  });

  it('counts a turn: outcome, tokens by kind, model timings and Discord writes move by what the turn did', async () => {
    const h = await start({ env: { METRICS_PORT: '0' } });
    const before = await scrape(h);
    expect(sampleValue(before, `${P}turns_total`, { outcome: 'completed' }) ?? 0).toBe(0);
    const writesBefore = sampleValue(before, `${P}discord_requests_total`, { kind: 'post' }) ?? 0;

    await oneTurn(h, 'how do metrics work?');
    await h.discord.waitFor(
      async () => sampleValue(await scrape(h), `${P}turns_total`, { outcome: 'completed' }),
      5_000,
    );
    const after = await scrape(h);
    expect(h.openai.chatRequests()).toHaveLength(1);
    expect(sampleValue(after, `${P}turns_total`, { outcome: 'completed' })).toBe(1);
    const model = { model: 'gpt-4o-mini' };
    expect(sampleValue(after, `${P}tokens_total`, { kind: 'prompt', ...model })).toBeGreaterThan(0);
    expect(sampleValue(after, `${P}tokens_total`, { kind: 'completion', ...model })).toBeGreaterThan(0);
    expect(sampleValue(after, `${P}model_first_token_seconds_count`, model)).toBe(1);
    expect(sampleValue(after, `${P}model_duration_seconds_count`, model)).toBe(1);
    expect(sampleValue(after, `${P}active_streams`)).toBe(0);
    expect(sampleValue(after, `${P}discord_requests_total`, { kind: 'post' })).toBeGreaterThan(writesBefore);
    expect(sampleValue(after, 'process_resident_memory_bytes')).toBeGreaterThan(0);
  });

  it('/healthz is 503 with the reason while the gateway is down, and 200 once discord.js reconnected', async () => {
    const h = await start({ env: { METRICS_PORT: '0' } });
    expect(await healthz(h)).toEqual({ status: 200, body: 'ok' });
    h.discord.holdGateway();
    try {
      h.discord.killGateway();
      await h.discord.waitFor(async () => (await healthz(h)).status === 503, 5_000);
      expect(await healthz(h)).toEqual({ status: 503, body: 'Discord gateway is not connected' });
    } finally {
      h.discord.releaseGateway();
    }
    await h.discord.waitFor(async () => (await healthz(h)).status === 200, 15_000);
    // Still answering after the outage: the health flip was the gateway, not a broken bot.
    await oneTurn(h, 'still there?');
  });
});
