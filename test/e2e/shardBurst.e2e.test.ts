/**
 * A burst across two shards (two processes under the ShardingManager, one guild each) sharing one redis-server,
 * against a fake Discord enforcing its global limit (50 requests/s per bot token) and a fake OpenAI enforcing RPM and
 * TPM below what the burst asks for: every conversation is answered completely and once, OpenAI never answers 429,
 * Discord never answers 429, and no second holds 50 or more requests of the bot from both processes together. Each
 * process alone would take 40 writes/s and the full RPM, so only the shared budgets keep the sum inside the limits.
 */
import { describe, expect, it } from 'vitest';
import { allShardsReady, SHARDS_READY_MS, shardDeploymentPerTest } from './child/shardDeployment.js';
import { lastUserText } from './harness.js';
import { visibleText, waitForAnswer } from './waitForAnswer.js';

const PER_GUILD = 12;
const RPM = 20;
/** About 20 requests of ~60 prompt tokens plus the 300-token completion cap: TPM binds about where RPM does. */
const TPM = 7_500;
const DISCORD_GLOBAL = 50;
// ~150 tokens at 80 tokens/s: every answer streams through several edits.
const FILLER = 'Here is some more text for the answer to stream. '.repeat(12);
const answerTo = (question: string) => `You said: ${question}. ${FILLER}`.trimEnd();

/** The most requests inside any one-second window. */
function busiestSecond(times: number[]): number {
  const sorted = [...times].sort((a, b) => a - b);
  let most = 0;
  for (let start = 0, end = 0; end < sorted.length; end++) {
    while (sorted[end]! - sorted[start]! >= 1_000) start++;
    most = Math.max(most, end - start + 1);
  }
  return most;
}

describe('a burst across two shards sharing Redis', () => {
  const start = shardDeploymentPerTest();

  it('answers everyone once with 0 upstream 429s, 0 Discord 429s and under 50 requests/s bot-wide', async () => {
    const { discord, openai, manager } = await start({
      redis: true,
      discord: { rateLimits: { global: { limit: DISCORD_GLOBAL, windowMs: 1_000 } } },
      openai: {
        answer: (body) => answerTo(lastUserText(body.messages)),
        tokensPerSecond: 80,
        rateLimits: { rpm: RPM, tpm: TPM },
      },
      env: { OPENAI_RPM: String(RPM), OPENAI_TPM: String(TPM), MAX_COMPLETION_TOKENS: '300' },
    });
    await manager().waitForLine(allShardsReady, SHARDS_READY_MS);
    const since = Date.now();

    const guilds = [...discord.world.guilds.values()];
    const asked = guilds.flatMap((g, gi) =>
      Array.from({ length: PER_GUILD }, (_, i) => {
        const question = `guild ${gi} question ${i}`;
        const message = discord.sendMessage({ channelId: g.textChannelId, content: question, mentionsBot: true });
        return { message, question };
      }),
    );
    const threads = await Promise.all(
      asked.map(async ({ message, question }) => {
        const thread = await discord.waitForThread({ fromMessageId: message.id }, 30_000);
        // A queued conversation first shows the capacity notice, which the answer then replaces.
        await discord.waitFor(() => visibleText(discord, thread.id) === answerTo(question), {
          timeoutMs: 60_000,
          description: `the whole answer to ${question}`,
        });
        return { id: thread.id, question };
      }),
    );

    for (const { id } of threads) await waitForAnswer(discord, id); // settled: no edit still on its way
    const upstream = openai.chatRequests();
    expect(upstream.map((r) => r.status).filter((status) => status !== 200)).toEqual([]);
    expect(upstream.map((r) => lastUserText((r.body as { messages: never }).messages)).sort()).toEqual(
      asked.map((a) => a.question).sort(),
    );
    // More was asked than the budgets hold at once: the limiter made calls wait, it was not idle.
    expect(upstream.at(-1)!.at - upstream[0]!.at).toBeGreaterThan(2_000);
    expect(discord.rateLimitHits.map((hit) => `${hit.scope} ${hit.route}`)).toEqual([]);
    const botRequests = discord.requests.filter((r) => r.at >= since).map((r) => r.at);
    const busiest = busiestSecond(botRequests);
    const span = upstream.at(-1)!.at - upstream[0]!.at;
    console.info(
      `shard burst: ${botRequests.length} Discord requests, busiest second ${busiest}; ${upstream.length} model calls over ${span} ms`,
    );
    expect(busiest).toBeLessThan(DISCORD_GLOBAL);
    // The burst pressed on the budget (the bot's 40/s): alone, each process would have sent up to 40 of its own.
    expect(busiest).toBeGreaterThan(30);
  }, 120_000);
});
