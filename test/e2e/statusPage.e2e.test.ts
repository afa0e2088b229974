import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../integration/ops/browser.js';
import { parsePrometheusText, sampleValue } from '../integration/ops/promText.js';
import { harnessPerTest } from './harness.js';
import { waitForAnswer } from './waitForAnswer.js';

const QUESTION = 'tell me a secret about the status page';

describe('the status page of a running bot, in a real headless Chromium', () => {
  const start = harnessPerTest();
  let browser: Awaited<ReturnType<typeof launchChromium>>;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it("shows today's tokens of a real turn as the last bar, the guild among the busiest, and no text or names", async () => {
    const h = await start({ env: { METRICS_PORT: '0' } });
    const asked = h.discord.sendMessage({ content: QUESTION, mentionsBot: true });
    const thread = await h.discord.waitForThread({ fromMessageId: asked.id });
    await waitForAnswer(h.discord, thread.id);
    // The turn's tokens as the bot counted them: what the page must show for today.
    const metrics = await h.discord.waitFor(async () => {
      const { samples } = parsePrometheusText(await (await fetch(`${h.bot.opsUrl}/metrics`)).text());
      return sampleValue(samples, 'discord_bot_turns_total', { outcome: 'completed' }) ? samples : undefined;
    }, 5_000);
    const tokens = (kind: string) => sampleValue(metrics, 'discord_bot_tokens_total', { kind, model: 'gpt-4o-mini' });
    const turnTokens = (tokens('prompt') ?? 0) + (tokens('completion') ?? 0);
    expect(turnTokens).toBeGreaterThan(0);

    const problems: string[] = [];
    const page = await browser.context.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(m.text());
    });
    page.on('pageerror', (e) => problems.push(e.message));
    await page.goto(`${h.bot.opsUrl}/`);
    await page.locator('#tokens-chart rect.bar').first().waitFor({ state: 'attached', timeout: 10_000 });
    const bars = await page
      .locator('#tokens-chart rect.bar')
      .evaluateAll((rects) => rects.map((r) => Number(r.getAttribute('data-value'))));
    expect(bars).toHaveLength(30);
    expect(bars.at(-1)).toBe(turnTokens);
    expect(bars.slice(0, -1).every((v) => v === 0)).toBe(true);
    expect(await page.locator('#live').textContent()).toBe('0');
    const guildRows = await page
      .locator('#guilds tr')
      .evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)));
    expect(guildRows).toEqual([[h.discord.ids.guildId, turnTokens.toLocaleString('en-US')]]);

    const html = await page.content();
    expect(html).not.toContain(QUESTION);
    expect(html).not.toContain('You said');
    expect(html).not.toContain(h.discord.ids.memberUserId);
    await page.screenshot({ path: process.env.STATUS_SCREENSHOT ?? '/tmp/status-after-turn.png', fullPage: true });
    await page.close();
    expect(problems).toEqual([]);
  });
});
