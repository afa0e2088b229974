/**
 * Fifty people starting at once, through the real bot and discord.js against the fake Discord with Discord's
 * global limit (50 requests/s per bot token) on: everyone is answered completely, Discord never answers 429, and
 * no message is edited faster than EDIT_INTERVAL_MS as the fake receives the edits.
 */
import { describe, expect, it } from 'vitest';
import type { FakeDiscord } from '../fakes/discord/index.js';
import { harnessPerTest, lastUserText, type Harness } from './harness.js';
import { assertEveryStateReadsOnce, visibleStates } from './readerTimeline.js';
import { visibleText, waitForAnswer } from './waitForAnswer.js';

const CONVERSATIONS = 50;
const USERS = 5;
const EDIT_INTERVAL_MS = 250;
// Long enough (~2.5 s at 80 tokens/s) that every answer streams through several edits, also when posts are quick.
const FILLER = 'Here is some more text for the answer to stream. '.repeat(16);
const answerTo = (question: string): string => `You said: ${question}. ${FILLER}`.trimEnd();

const burstOptions = {
  discord: { rateLimits: { global: { limit: 50, windowMs: 1_000 } } },
  openai: {
    answer: (body: { messages: Parameters<typeof lastUserText>[0] }) => answerTo(lastUserText(body.messages)),
    tokensPerSecond: 80,
  },
  env: { EDIT_INTERVAL_MS: String(EDIT_INTERVAL_MS), USER_MESSAGES_PER_MINUTE: '0' },
};

/** Gaps between consecutive edit requests of each message, as the fake received them. */
function editGaps(discord: FakeDiscord): number[] {
  return [...discord.editArrivals().values()].flatMap((times) => times.slice(1).map((at, i) => at - (times[i] ?? 0)));
}

function expectEveryoneAnswered(discord: FakeDiscord, threads: ReadonlyArray<{ id: string; question: string }>): void {
  for (const { id, question } of threads) {
    expect(visibleText(discord, id)).toBe(answerTo(question));
    assertEveryStateReadsOnce(visibleStates(discord, id), answerTo(question));
  }
  expect(discord.rateLimitHits.map((hit) => `${hit.scope} ${hit.route}`)).toEqual([]);
  const gaps = editGaps(discord);
  expect(gaps.length).toBeGreaterThan(0); // answers streamed: there were gaps to measure
  expect(Math.min(...gaps)).toBeGreaterThanOrEqual(EDIT_INTERVAL_MS);
}

describe('fifty conversations starting at once', () => {
  let h: Harness;
  const start = harnessPerTest();

  it('50 mentions in one channel within a second: all answered, 0 × 429, edits ≥ EDIT_INTERVAL_MS apart', async () => {
    h = await start(burstOptions);
    const { discord } = h;
    const users = Array.from({ length: USERS }, (_, i) => discord.addMember({ username: `burst-user-${i}` }));
    const asked = Array.from({ length: CONVERSATIONS }, (_, i) =>
      discord.sendMessage({ content: `question ${i}`, mentionsBot: true, authorId: users[i % USERS]!.id }),
    );
    expect((asked.at(-1)?.createdAt ?? 0) - (asked[0]?.createdAt ?? 0)).toBeLessThan(1_000);
    const threads = await Promise.all(
      asked.map(async (message, i) => {
        const thread = await discord.waitForThread({ fromMessageId: message.id }, 30_000);
        await waitForAnswer(discord, thread.id, { timeoutMs: 30_000 });
        return { id: thread.id, question: `question ${i}` };
      }),
    );
    expectEveryoneAnswered(discord, threads);
  }, 60_000);

  it('50 /chat commands at once: all answered, 0 × 429, edits ≥ EDIT_INTERVAL_MS apart', async () => {
    h = await start(burstOptions);
    const { discord } = h;
    const users = Array.from({ length: USERS }, (_, i) => discord.addMember({ username: `chat-user-${i}` }));
    const chats = Array.from({ length: CONVERSATIONS }, (_, i) =>
      discord.runSlashCommand({
        name: 'chat',
        options: { message: `chat question ${i}` },
        userId: users[i % USERS]!.id,
      }),
    );
    const outcomes = await Promise.all(chats.map((chat) => chat.settled({ idleMs: 100 })));
    expect(outcomes.every((outcome) => outcome.respondedAfterMs < 3_000)).toBe(true);
    await discord.waitFor(() => discord.threads.length >= CONVERSATIONS, {
      timeoutMs: 30_000,
      intervalMs: 50,
      description: '50 threads',
    });
    const threads = await Promise.all(
      discord.threads.map(async (thread) => {
        await waitForAnswer(discord, thread.id, { timeoutMs: 30_000 });
        return { id: thread.id, question: thread.name };
      }),
    );
    expect(threads.map((t) => t.question).sort()).toEqual(
      Array.from({ length: CONVERSATIONS }, (_, i) => `chat question ${i}`).sort(),
    );
    expectEveryoneAnswered(discord, threads);
  }, 60_000);
});
