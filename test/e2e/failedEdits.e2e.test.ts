/**
 * Discord refusing writes while an answer streams, through the real bot and discord.js against the fake Discord:
 * an answer ends either complete (edits retried with backoff, or continued in a new message) or with a visible
 * notice, no message keeps the streaming cursor where Discord still takes an edit, and the exchange is kept only
 * when the reader saw the answer.
 */
import { describe, expect, it } from 'vitest';
import { renderStrings } from '../../src/strings.js';
import { UNDELIVERED_NOTICE } from '../../src/render/streamRenderer.js';
import type { FakeDiscord, MessageRecord } from '../fakes/discord/index.js';
import { assertReassembles } from '../unit/render/readerChecks.js';
import { harnessPerTest, transcript, type Harness } from './harness.js';
import { assertEveryStateReadsOnce, visibleStates, withoutCursor } from './readerTimeline.js';
import { visibleText, waitForAnswer } from './waitForAnswer.js';

const EDIT = 'PATCH /channels/{channel_id}/messages/{message_id}';
const POST = 'POST /channels/{channel_id}/messages';
const CURSOR = '▌';
const EDIT_INTERVAL_MS = 250;
/** The renderer's first retry waits this long, then twice as long each time. */
const RETRY_BASE_MS = 500;
const ANSWER = 'Prairie grass grows tall in the summer sun, and the wind moves it like water over the plains. '
  .repeat(3)
  .trim();
/** Streams for ~3 s at 20 tokens/s: long enough for faults to land mid-answer. */
const slowAnswer = {
  openai: { answer: () => ANSWER, tokensPerSecond: 20 },
  env: { EDIT_INTERVAL_MS: String(EDIT_INTERVAL_MS) },
};
const SAVED = ['user: tell me about prairies', `assistant: ${ANSWER}`, 'user: and then?'];

const withoutNote = (content: string): string =>
  content.startsWith(renderStrings.continued) ? content.slice(renderStrings.continued.length) : content;

describe('an answer is never left half-finished when Discord refuses writes', () => {
  let h: Harness;
  const start = harnessPerTest();

  async function ask(text: string): Promise<string> {
    const asked = h.discord.sendMessage({ content: text, mentionsBot: true });
    return (await h.discord.waitForThread({ fromMessageId: asked.id })).id;
  }

  /** The answer's first message once a reader has seen it grow (at least `versions` versions, cursor still on). */
  async function streamingMessage(threadId: string, versions = 1): Promise<MessageRecord> {
    const { discord } = h;
    await discord.waitFor(
      () => {
        const first = discord.botMessagesIn(threadId)[0];
        return first !== undefined && first.versions.length >= versions && first.current.content.includes(CURSOR);
      },
      { timeoutMs: 10_000, intervalMs: 5, description: 'the answer streaming' },
    );
    const first = discord.botMessagesIn(threadId)[0];
    if (!first) throw new Error('no answer message');
    return first;
  }

  /** Ask again in the thread; the request the model gets shows what the bot kept of the earlier exchange. */
  async function historyAfterFollowUp(threadId: string): Promise<string[]> {
    const { discord, openai } = h;
    openai.setAnswer(() => 'noted');
    discord.sendMessage({ channelId: threadId, content: 'and then?' });
    await discord.waitFor(() => discord.botMessagesIn(threadId).some((m) => m.current.content === 'noted'), {
      timeoutMs: 10_000,
      intervalMs: 20,
      description: 'the follow-up answered',
    });
    return transcript(openai.chatRequests().at(-1)!.body).slice(1);
  }

  it('503s on edits of the streaming message: retried with growing gaps, the answer completes and is saved', async () => {
    h = await start(slowAnswer);
    const { discord } = h;
    const threadId = await ask('tell me about prairies');
    const first = await streamingMessage(threadId);
    discord.failRest({ route: EDIT, status: 503, times: 3, when: (p) => p.message_id === first.id });
    await waitForAnswer(discord, threadId, { timeoutMs: 20_000 });
    expect(visibleText(discord, threadId)).toBe(ANSWER);
    const edits = discord.requestsTo(EDIT).filter((r) => r.params.message_id === first.id);
    expect(edits.filter((r) => r.status === 503)).toHaveLength(3);
    // Each retry waits longer than the one before (discord.js alone retried within milliseconds).
    const afterFailures = edits.flatMap((r, i) => (r.status === 503 ? [(edits[i + 1]?.at ?? Infinity) - r.at] : []));
    afterFailures.forEach((gap, k) => {
      expect(gap, `gap after failure ${k + 1}`).toBeGreaterThanOrEqual(RETRY_BASE_MS * 2 ** k);
    });
    const arrivals = discord.editArrivals().get(first.id) ?? [];
    const gaps = arrivals.slice(1).map((at, i) => at - (arrivals[i] ?? 0));
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(EDIT_INTERVAL_MS);
    // The fake's spec has no 5xx for this route; the three injected ones are the only responses outside it.
    expect(discord.takeViolations().map((v) => v.kind)).toEqual(Array(3).fill('invalid-response'));
    expect(await historyAfterFollowUp(threadId)).toEqual(SAVED);
  });

  it('30046 on every edit: the answer goes on below with a note, reads once at every moment, and is saved', async () => {
    h = await start(slowAnswer);
    const { discord } = h;
    const threadId = await ask('tell me about prairies');
    const first = await streamingMessage(threadId, 2);
    discord.failRest({
      route: EDIT,
      status: 400,
      code: 30046,
      message: 'Maximum number of edits to messages older than 1 hour reached. Try again later',
      times: 1_000,
      when: (p) => p.message_id === first.id,
    });
    await settledWith(discord, threadId, 2);
    const [old, ...rest] = discord.botMessagesIn(threadId);
    // Discord refuses every edit of the old message, so its cursor cannot be taken off: the note below says why.
    expect(old!.current.content).toContain(CURSOR);
    expect(rest[0]!.current.content.startsWith(renderStrings.continued)).toBe(true);
    for (const m of rest) expect(m.current.content).not.toContain(CURSOR);
    const bodies = [withoutCursor(old!.current.content), ...rest.map((m) => withoutNote(m.current.content))];
    assertReassembles(bodies, ANSWER);
    assertEveryStateReadsOnce(visibleStates(discord, threadId), ANSWER, withoutNote);
    // The refused message is not chased: the refused edit and one clean-up try.
    const refused = discord.requestsTo(EDIT).filter((r) => r.params.message_id === first.id && r.status === 400);
    expect(refused.length).toBeLessThanOrEqual(2);
    expect(await historyAfterFollowUp(threadId)).toEqual(SAVED);
  });

  it('a single 30046: the answer goes on below and the old message loses its cursor', async () => {
    h = await start(slowAnswer);
    const { discord } = h;
    const threadId = await ask('tell me about prairies');
    const first = await streamingMessage(threadId, 2);
    const once = { status: 400, code: 30046, message: 'Maximum number of edits to messages older than 1 hour' };
    discord.failRest({ route: EDIT, ...once, when: (p) => p.message_id === first.id });
    const messages = await waitForAnswer(discord, threadId, { atLeast: 2, timeoutMs: 20_000 });
    for (const m of messages) expect(m.current.content).not.toContain(CURSOR);
    expect(messages[1]!.current.content.startsWith(renderStrings.continued)).toBe(true);
    assertReassembles(
      messages.map((m) => withoutNote(m.current.content)),
      ANSWER,
    );
    assertEveryStateReadsOnce(visibleStates(discord, threadId), ANSWER, withoutNote);
  });

  it('the streaming message deleted (10008): the whole answer is posted again below with a note, and saved', async () => {
    h = await start(slowAnswer);
    const { discord } = h;
    const threadId = await ask('tell me about prairies');
    const first = await streamingMessage(threadId, 2);
    discord.world.deleteMessage(first, discord.ids.adminUserId);
    const [answer, ...more] = await waitForAnswer(discord, threadId, { timeoutMs: 20_000 });
    expect(more).toEqual([]);
    // What the deleted message showed is gone with it, so the continuation shows the answer from its start.
    expect(answer!.current.content).toBe(renderStrings.continued + ANSWER);
    const edits = discord.requestsTo(EDIT).filter((r) => r.params.message_id === first.id);
    expect(edits.some((r) => r.status === 404)).toBe(true);
    expect(await historyAfterFollowUp(threadId)).toEqual(SAVED);
  });

  it('the next message of a long answer refused for good: a visible notice, no cursor, nothing saved', async () => {
    const long = `${ANSWER} `.repeat(10).trim();
    h = await start({ ...slowAnswer, openai: { answer: () => long, tokensPerSecond: 400 } });
    const { discord } = h;
    const threadId = await ask('tell me everything about prairies');
    await streamingMessage(threadId);
    let refusing = true;
    discord.failRest({
      route: POST,
      status: 403,
      code: 50013,
      message: 'Missing Permissions',
      times: 1_000,
      when: (p) => refusing && p.channel_id === threadId,
    });
    // The refused post may wait behind the channel's bucket: wait for the notice itself, not for a quiet moment.
    await discord.waitFor(() => discord.botMessagesIn(threadId)[0]?.current.content.endsWith(UNDELIVERED_NOTICE), {
      timeoutMs: 20_000,
      description: 'the undelivered notice',
    });
    const [only, ...more] = await waitForAnswer(discord, threadId, { timeoutMs: 20_000 });
    expect(more).toEqual([]);
    expect(only!.current.content).not.toContain(CURSOR);
    expect(only!.current.content.endsWith(`\n\n${UNDELIVERED_NOTICE}`)).toBe(true);
    const shown = only!.current.content.slice(0, -(UNDELIVERED_NOTICE.length + 2));
    expect(long.startsWith(shown.trimEnd())).toBe(true);
    refusing = false;
    // Not saved: the reader never saw the whole answer.
    expect(await historyAfterFollowUp(threadId)).toEqual(['user: and then?']);
  });
});

/** At least `count` bot messages, the last without the cursor, and nothing changing for a moment. */
async function settledWith(discord: FakeDiscord, threadId: string, count: number): Promise<void> {
  await discord.waitFor(
    () => {
      const mine = discord.botMessagesIn(threadId);
      return mine.length >= count && !(mine.at(-1)?.current.content.includes(CURSOR) ?? true);
    },
    { timeoutMs: 20_000, intervalMs: 20, description: `${count} bot messages, the last one finished` },
  );
  await discord.waitForBotMessageIdle(threadId, { idleMs: 600, atLeast: count, timeoutMs: 20_000 });
}
