import { describe, expect, it } from 'vitest';
import { ChannelType, RESTEvents } from 'discord.js';
import { rawRequest, useFakeDiscord } from './helpers.js';

describe('fake Discord: per-channel message bucket (5 per 5 s)', () => {
  const ctx = useFakeDiscord();

  it('answers raw requests beyond the bucket with 429, Retry-After and X-RateLimit headers', async () => {
    const { fake } = ctx;
    const channelId = fake.ids.textChannelId;
    const results = [];
    for (let i = 0; i < 7; i++) {
      const body = { content: `burst ${i}`, allowed_mentions: { parse: [] } };
      results.push(await rawRequest(fake, 'POST', `/channels/${channelId}/messages`, body));
    }

    expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 429, 429]);
    expect(results.map((r) => r.headers.get('x-ratelimit-remaining'))).toEqual(['4', '3', '2', '1', '0', '0', '0']);
    const first = results[0]!.headers;
    expect(first.get('x-ratelimit-limit')).toBe('5');
    expect(Number(first.get('x-ratelimit-reset-after'))).toBeGreaterThan(4);
    expect(Number(first.get('x-ratelimit-reset'))).toBeGreaterThan(Date.now() / 1000);
    expect(first.get('x-ratelimit-bucket')).toMatch(/^[0-9a-f]+$/);

    const limited = results[5]!;
    expect(limited.json).toMatchObject({ message: 'You are being rate limited.', global: false });
    expect((limited.json as { retry_after: number }).retry_after).toBeGreaterThan(0);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(fake.rateLimitHits).toHaveLength(2);
    expect(fake.rateLimitHits[0]).toMatchObject({ route: 'POST /channels/{channel_id}/messages', global: false });

    // Edits share the channel's bucket; another channel has its own.
    const messageId = (results[0]!.json as { id: string }).id;
    expect(
      (await rawRequest(fake, 'PATCH', `/channels/${channelId}/messages/${messageId}`, { content: 'edited' })).status,
    ).toBe(429);
    expect(
      (await rawRequest(fake, 'POST', `/channels/${fake.ids.otherTextChannelId}/messages`, { content: 'elsewhere' }))
        .status,
    ).toBe(200);
    expect(fake.botMessagesIn(channelId)).toHaveLength(5);
  });

  it('through discord.js 8 sends complete without a single 429 (the client waits out the bucket)', async () => {
    const { fake } = ctx;
    const client = await ctx.login();
    const channel = await client.channels.fetch(fake.ids.textChannelId);
    if (channel?.type !== ChannelType.GuildText) throw new Error('no text channel');
    let clientSeenRateLimits = 0;
    client.rest.on(RESTEvents.RateLimited, () => {
      clientSeenRateLimits += 1;
    });

    const started = Date.now();
    const sent = await Promise.all(Array.from({ length: 8 }, (_, i) => channel.send(`queued ${i}`)));
    const elapsed = Date.now() - started;

    expect(sent).toHaveLength(8);
    expect(fake.rateLimitHits).toHaveLength(0);
    expect(fake.requestsTo('POST /channels/{channel_id}/messages').every((r) => r.status === 200)).toBe(true);
    expect(elapsed).toBeGreaterThanOrEqual(4_500);
    expect(clientSeenRateLimits).toBeGreaterThanOrEqual(1); // discord.js reports its own pre-emptive wait
    expect(
      fake
        .botMessagesIn(channel.id)
        .map((m) => m.current.content)
        .sort(),
    ).toEqual(Array.from({ length: 8 }, (_, i) => `queued ${i}`).sort());
  }, 15_000);
});

describe('fake Discord: optional global limit', () => {
  const ctx = useFakeDiscord({ rateLimits: { global: { limit: 3, windowMs: 1_000 } } });

  it('answers bot-token requests beyond the global limit with a global 429', async () => {
    const { fake } = ctx;
    const statuses = [];
    let last;
    for (let i = 0; i < 4; i++) {
      last = await rawRequest(fake, 'GET', '/users/@me');
      statuses.push(last.status);
    }
    expect(statuses).toEqual([200, 200, 200, 429]);
    expect(last?.headers.get('x-ratelimit-global')).toBe('true');
    expect(last?.headers.get('x-ratelimit-scope')).toBe('global');
    expect(last?.json).toMatchObject({ global: true });
    expect(fake.rateLimitHits[0]).toMatchObject({ global: true, bucket: 'global' });
  });
});
