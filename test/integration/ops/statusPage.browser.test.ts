import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { createMetrics } from '../../../src/ops/metrics.js';
import { startOpsServer, type OpsServer } from '../../../src/ops/opsServer.js';
import { usageStatusSource } from '../../../src/ops/usageStatus.js';
import { openStore, type KeyvStore } from '../../../src/store/keyvStore.js';
import { textTurn } from '../../../src/store/types.js';
import { makeTempDir, sqliteUrl } from '../../helpers/tempDir.js';
import { launchChromium } from './browser.js';

const BUSY_GUILD = '200000000000000001';
const QUIET_GUILD = '200000000000000002';
const USER = '100000000000000042';
const SECRET_TEXT = 'my bank password is hunter2';
const DAY_MS = 86_400_000;

describe('status page in a real headless Chromium', () => {
  const temp = makeTempDir('ops-page-');
  let store: KeyvStore;
  let server: OpsServer;
  let browser: Awaited<ReturnType<typeof launchChromium>>;
  let context: BrowserContext;
  const problems: string[] = [];

  const usage = (guildId: string | null, tokens: number, costUsd: number, at = Date.now()) =>
    store.recordUsage({
      userId: USER,
      guildId,
      at,
      promptTokens: tokens - 100,
      completionTokens: 100,
      requests: 1,
      costUsd,
    });

  beforeAll(async () => {
    store = await openStore(sqliteUrl(temp.dir));
    const meta = await store.createThread({
      threadId: '300000000000000001',
      guildId: BUSY_GUILD,
      channelId: '400000000000000001',
      creatorId: USER,
      createdAt: Date.now(),
    });
    await store.commitTurns(meta, [
      textTurn({ role: 'user', text: SECRET_TEXT, authorId: USER, messageIds: ['1'], tokens: 9, at: Date.now() }),
    ]);
    await usage(BUSY_GUILD, 1_500, 0.01);
    await usage(QUIET_GUILD, 300, 0.002, Date.now() - 5 * DAY_MS);
    await usage(null, 200, 0.001);
    server = await startOpsServer({
      host: '127.0.0.1',
      port: 0,
      metrics: createMetrics({ defaultMetrics: false }),
      statusCacheMs: 0,
      health: { gatewayConnected: () => true, pingStore: async () => undefined },
      statusSource: usageStatusSource({
        usage: store,
        guildIds: () => [BUSY_GUILD, QUIET_GUILD],
        live: () => ({ liveStreams: 2, limiter: { requestsHeadroom: 480, tokensHeadroom: 149_000, queued: 1 } }),
      }),
    });
    browser = await launchChromium();
    context = browser.context;
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await store?.close();
    temp.remove();
  });

  const open = async (): Promise<Page> => {
    const page = await context.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(m.text());
    });
    page.on('pageerror', (e) => problems.push(e.message));
    await page.goto(`${server.url}/`);
    await page.locator('#tokens-chart rect.bar').first().waitFor({ state: 'attached', timeout: 10_000 });
    return page;
  };
  const barValues = (page: Page, chart: string) =>
    page.locator(`${chart} rect.bar`).evaluateAll((bars) => bars.map((b) => Number(b.getAttribute('data-value'))));

  it("shows 30 daily bars with today's tokens, live counts, the busiest servers, and nothing private", async () => {
    const page = await open();
    const tokens = await barValues(page, '#tokens-chart');
    expect(tokens).toHaveLength(30);
    expect(tokens.at(-1)).toBe(1_700); // today: the busy guild and a DM
    expect(tokens.at(-6)).toBe(300);
    expect(await page.locator('#cost-chart rect.bar').count()).toBe(30);
    expect(await page.locator('#live').textContent()).toBe('2');
    expect(await page.locator('#tokens').textContent()).toBe('149,000');

    const rows = await page
      .locator('#guilds tr')
      .evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)));
    expect(rows).toEqual([
      [BUSY_GUILD, '1,500'],
      [QUIET_GUILD, '300'],
    ]);

    const everything = await page.content();
    expect(everything).not.toContain(SECRET_TEXT);
    expect(everything).not.toContain(USER);
    await page.screenshot({ path: process.env.STATUS_SCREENSHOT ?? `${temp.dir}/status.png`, fullPage: true });
    await page.close();
    expect(problems).toEqual([]);
  });

  it('picks up a new turn on its next poll without a reload', async () => {
    const page = await open();
    await usage(BUSY_GUILD, 1_000, 0.005);
    // The page polls status.json every 5 s; the wait is bounded.
    // (page.waitForFunction with a string would need 'unsafe-eval', which the page's CSP rightly refuses.)
    await expect
      .poll(() => page.locator('#tokens-chart rect.bar').last().getAttribute('data-value'), {
        timeout: 12_000,
        interval: 250,
      })
      .toBe('2700');
    expect(await page.locator('#guilds tr').first().locator('td').nth(1).textContent()).toBe('2,500');
    await page.close();
    expect(problems).toEqual([]);
  });
});
