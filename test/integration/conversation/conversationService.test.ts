import type { ChatCompletionCreateParams } from 'openai/resources/chat/completions';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ConversationService,
  type ConversationSettings,
  type TurnRequest,
} from '../../../src/conversation/conversationService.js';
import { SUMMARY_PREFIX } from '../../../src/conversation/summaryMemory.js';
import { createRateLimiter } from '../../../src/llm/limiter.js';
import { createModelClient, type ModelClient } from '../../../src/llm/modelClient.js';
import { silentLogger } from '../../../src/log.js';
import { EditBudget } from '../../../src/render/editBudget.js';
import { openStore, type KeyvStore } from '../../../src/store/keyvStore.js';
import { turnText } from '../../../src/store/types.js';
import { startFakeOpenAI, type FakeOpenAI } from '../../fakes/openai/index.js';
import { RecordingSink } from '../../helpers/recordingSink.js';
import { makeTempDir, sqliteUrl } from '../../helpers/tempDir.js';
import { openaiConfig, testTurnSettings } from '../../helpers/testConfig.js';

const GUILD = '200000000000000001';
const USER = '100000000000000001';
const BOT = '100000000000000002';

type Messages = ChatCompletionCreateParams['messages'];
const lastUser = (messages: Messages) => String([...messages].reverse().find((m) => m.role === 'user')?.content ?? '');
const contents = (messages: Messages) => messages.map((m) => `${m.role}: ${String(m.content)}`);

const baseSettings: ConversationSettings = {
  model: 'gpt-4o-mini',
  contextTokens: 16_000,
  maxCompletionTokens: 256,
  maxInputChars: 8000,
  summaryMemory: false,
  defaultSystemPrompt: 'You are a test assistant.',
  editIntervalMs: 250,
  userMessagesPerMinute: 0,
  guildDailyTokens: 0,
  ...testTurnSettings,
};

describe('ConversationService with real SQLite, the real openai SDK and the fake OpenAI', () => {
  let temp: ReturnType<typeof makeTempDir>;
  let store: KeyvStore;
  let fake: FakeOpenAI;
  let model: ModelClient;
  let budget: EditBudget;

  beforeEach(async () => {
    temp = makeTempDir();
    store = await openStore(sqliteUrl(temp.dir));
    fake = await startFakeOpenAI({
      answer: (body) => `echo: ${lastUser(body.messages)}`,
      timeToFirstTokenMs: 0,
      tokensPerSecond: 0,
    });
    model = createModelClient({
      config: openaiConfig(fake.url),
      maxCompletionTokens: 256,
      usage: store,
      maxRetryWaitMs: 2_000,
    });
    budget = new EditBudget({ perSecond: 1000 });
  });
  afterEach(async () => {
    budget.dispose();
    await model.close();
    await fake.close();
    await store.close();
    temp.remove();
    fake.assertNoViolations();
  });

  const service = (settings: Partial<ConversationSettings> = {}) =>
    new ConversationService({
      store,
      model,
      logger: silentLogger(),
      editBudget: budget,
      botUserId: () => BOT,
      settings: { ...baseSettings, ...settings },
    });
  const turn = (content: string, threadId = '300000000000000001', userId = USER): TurnRequest => ({
    threadId,
    guildId: GUILD,
    channelId: '200000000000000002',
    userId,
    content,
  });
  const storedContents = async (threadId = '300000000000000001') => {
    const meta = await store.getThread(threadId);
    return meta ? (await store.getTurns(meta, 0, meta.turnCount)).map((t) => `${t.role}: ${turnText(t)}`) : [];
  };

  it('answers, remembers, and sends the history with the next request', async () => {
    const s = service();
    const sink = new RecordingSink();
    expect(await s.answer(turn('first question'), sink)).toBe('completed');
    expect(sink.text).toBe('echo: first question');
    expect(await s.answer(turn('second question'), sink)).toBe('completed');
    const second = fake.chatRequests()[1]!.body as ChatCompletionCreateParams;
    expect(contents(second.messages)).toEqual([
      'system: You are a test assistant.',
      'user: first question',
      'assistant: echo: first question',
      'user: second question',
    ]);
    expect(await storedContents()).toEqual([
      'user: first question',
      'assistant: echo: first question',
      'user: second question',
      'assistant: echo: second question',
    ]);
  });

  it('answers messages of one thread one at a time, in order, none dropped', async () => {
    fake.setTiming({ timeToFirstTokenMs: 30, tokensPerSecond: 200 });
    const s = service();
    const sink = new RecordingSink();
    const outcomes = await Promise.all(['one', 'two', 'three', 'four'].map((q) => s.answer(turn(q), sink)));
    expect(outcomes).toEqual(['completed', 'completed', 'completed', 'completed']);
    // Each request already contains every earlier exchange: the turns ran strictly after each other.
    const requests = fake.chatRequests().map((r) => (r.body as ChatCompletionCreateParams).messages.length);
    expect(requests).toEqual([2, 4, 6, 8]);
    expect(await storedContents()).toEqual(
      ['one', 'two', 'three', 'four'].flatMap((q) => [`user: ${q}`, `assistant: echo: ${q}`]),
    );
  });

  it('runs different threads at the same time', async () => {
    fake.setTiming({ timeToFirstTokenMs: 400 });
    const s = service();
    const sinks = [new RecordingSink(), new RecordingSink()];
    const both = Promise.all([
      s.answer(turn('a', '300000000000000001'), sinks[0]!),
      s.answer(turn('b', '300000000000000002'), sinks[1]!),
    ]);
    // Both requests reach the model before either answer has started to appear.
    await expect.poll(() => fake.chatRequests().length, { timeout: 2_000 }).toBe(2);
    expect(sinks.every((sink) => sink.messages.length === 0)).toBe(true);
    expect(await both).toEqual(['completed', 'completed']);
  });

  it('a failed turn shows a plain notice and leaves the stored history exactly as it was', async () => {
    const s = service();
    const sink = new RecordingSink();
    await s.answer(turn('kept'), sink);
    const before = await storedContents();
    fake.fail({ kind: 'insufficient_quota' });
    const failedSink = new RecordingSink();
    expect(await s.answer(turn('lost'), failedSink)).toBe('failed');
    expect(failedSink.text).toMatch(/quota/i);
    expect(failedSink.text).not.toMatch(/Error:|at .*\.ts|sk-test/);
    expect(await storedContents()).toEqual(before);
    // The next turn works and does not carry the failed user message.
    expect(await s.answer(turn('after'), sink)).toBe('completed');
    const last = fake.chatRequests().at(-1)!.body as ChatCompletionCreateParams;
    expect(contents(last.messages)).toEqual([
      'system: You are a test assistant.',
      'user: kept',
      'assistant: echo: kept',
      'user: after',
    ]);
  });

  it('an interrupted stream keeps the partial text visible, adds a notice and stores nothing', async () => {
    fake.setAnswer(() => 'word '.repeat(200));
    fake.setTiming({ chunkTokens: 2 });
    fake.fail({ kind: 'cut', afterChunks: 4 });
    const s = service();
    const sink = new RecordingSink();
    expect(await s.answer(turn('tell me a story'), sink)).toBe('interrupted');
    expect(sink.text).toMatch(/^word word/);
    expect(sink.text).toMatch(/interrupted/i);
    expect(await storedContents()).toEqual([]);
  });

  it('reset forgets the history: the next request holds only the system prompt and the new message', async () => {
    const s = service();
    const sink = new RecordingSink();
    await s.answer(turn('remember 42'), sink);
    expect(await s.reset('300000000000000001')).toBe(true);
    await s.answer(turn('what number?'), sink);
    const last = fake.chatRequests().at(-1)!.body as ChatCompletionCreateParams;
    expect(contents(last.messages)).toEqual(['system: You are a test assistant.', 'user: what number?']);
    expect(await s.reset('399999999999999999')).toBe(false);
  });

  it("uses the server's system prompt as the first message", async () => {
    await store.setGuildSettings(GUILD, { systemPrompt: 'Answer like a pirate.' });
    await service().answer(turn('hello'), new RecordingSink());
    const body = fake.chatRequests()[0]!.body as ChatCompletionCreateParams;
    expect(body.messages[0]).toEqual({ role: 'system', content: 'Answer like a pirate.' });
  });

  it('trims the oldest exchanges to the budget and folds them into a summary sent as a second system message', async () => {
    fake.setAnswer((body) =>
      body.stream ? `answer ${'lorem ipsum '.repeat(100)}` : 'The user asked several questions about lorem ipsum.',
    );
    const s = service({ summaryMemory: true, contextTokens: 1_200, maxCompletionTokens: 200 });
    const sink = new RecordingSink();
    for (let i = 0; i < 8; i++)
      expect(await s.answer(turn(`question ${i} ${'dolor sit '.repeat(20)}`), sink)).toBe('completed');
    const summaries = fake.requests.filter((r) => r.path === '/chat/completions' && !r.stream);
    expect(summaries.length).toBeGreaterThan(0);
    const meta = (await store.getThread('300000000000000001'))!;
    expect(meta.turnCount).toBe(16);
    expect(meta.summary?.text).toBe('The user asked several questions about lorem ipsum.');
    const last = fake
      .chatRequests()
      .filter((r) => r.stream)
      .at(-1)!;
    const messages = (last.body as ChatCompletionCreateParams).messages;
    expect(messages[0]?.role).toBe('system');
    expect(messages[1]).toEqual({ role: 'system', content: SUMMARY_PREFIX + meta.summary!.text });
    // The oldest exchanges were dropped from the request (whole pairs), the newest message is always there.
    expect(messages.length).toBeLessThan(2 + 15);
    expect(messages[2]?.role).toBe('user');
    expect(lastUser(messages)).toMatch(/^question 7/);
    expect(last.promptTokens).toBeLessThanOrEqual(1_200 - 200);
  });

  it('refuses input over MAX_INPUT_CHARS before anything reaches the model', async () => {
    const s = service({ maxInputChars: 100 });
    const sink = new RecordingSink();
    expect(await s.answer(turn('x'.repeat(101)), sink)).toBe('refused');
    expect(sink.text).toMatch(/101 characters long; the limit is 100/);
    expect(fake.requests).toHaveLength(0);
  });

  it('refuses a message too long for the context budget on its own', async () => {
    const s = service({ contextTokens: 400, maxCompletionTokens: 200 });
    const sink = new RecordingSink();
    expect(await s.answer(turn('word '.repeat(300)), sink)).toBe('refused');
    expect(sink.text).toMatch(/too long for the model/);
    expect(fake.chatRequests()).toHaveLength(0);
  });

  it('limits messages per user per minute with a polite wait notice', async () => {
    const s = service({ userMessagesPerMinute: 2 });
    const sink = new RecordingSink();
    await s.answer(turn('1'), sink);
    await s.answer(turn('2'), sink);
    const refused = new RecordingSink();
    expect(await s.answer(turn('3'), refused)).toBe('refused');
    expect(refused.text).toMatch(/limit: 2 per minute\). Please try again in \d+ s/);
    expect(await s.answer(turn('other user', undefined, '100000000000000003'), new RecordingSink())).toBe('completed');
  });

  it("refuses turns once the server's daily token cap is used", async () => {
    await store.recordUsage({
      userId: USER,
      guildId: GUILD,
      at: Date.now(),
      promptTokens: 900,
      completionTokens: 200,
      requests: 1,
      costUsd: 0,
    });
    const sink = new RecordingSink();
    expect(await service({ guildDailyTokens: 1000 }).answer(turn('hi'), sink)).toBe('refused');
    expect(sink.text).toMatch(/daily allowance of 1,000 tokens/);
    expect(fake.chatRequests()).toHaveLength(0);
  });

  it('moderation refuses flagged input without sending it to the chat model', async () => {
    fake.setModerator((input) => (input.includes('forbidden') ? ['violence'] : []));
    await model.close();
    model = createModelClient({
      config: openaiConfig(fake.url, { moderation: true }),
      maxCompletionTokens: 256,
      usage: store,
    });
    const s = service();
    const sink = new RecordingSink();
    expect(await s.answer(turn('something forbidden'), sink)).toBe('refused');
    expect(sink.text).toMatch(/flagged/);
    expect(fake.chatRequests()).toHaveLength(0);
    expect(await s.answer(turn('something fine'), new RecordingSink())).toBe('completed');
  });

  it('tells the user when a turn waits noticeably for model capacity, then replaces that with the answer', async () => {
    await model.close();
    // One request per 5 s window: the second thread has to wait for capacity.
    const limiter = createRateLimiter({ rpm: 1, tpm: 1_000_000, windowMs: 5_000, safetyMargin: 0 });
    model = createModelClient({ config: openaiConfig(fake.url), maxCompletionTokens: 256, usage: store, limiter });
    const s = service();
    const first = new RecordingSink();
    const second = new RecordingSink();
    const outcomes = await Promise.all([
      s.answer(turn('first', '300000000000000001'), first),
      s.answer(turn('second', '300000000000000002'), second),
    ]);
    await limiter.stop();
    expect(outcomes).toEqual(['completed', 'completed']);
    // Whichever turn reached the limiter second waited, and only that one showed the status before its answer.
    const waited = (sink: RecordingSink) =>
      sink.messages[0]!.versions.some((v) => /Waiting for model capacity/.test(v));
    expect([first, second].filter(waited)).toHaveLength(1);
    const waiter = waited(first) ? first : second;
    expect(waiter.messages[0]!.versions[0]).toMatch(/Waiting for model capacity/);
    expect(first.text).toBe('echo: first');
    expect(second.text).toBe('echo: second');
  });

  it('records usage for every answered turn', async () => {
    const s = service();
    await s.answer(turn('count me'), new RecordingSink());
    const usage = await store.getUserUsage(USER, GUILD, [new Date().toISOString().slice(0, 10)]);
    expect(usage.requests).toBe(1);
    expect(usage.promptTokens).toBe(fake.chatRequests()[0]!.promptTokens);
    expect(usage.completionTokens).toBeGreaterThan(0);
  });

  it('stops admitting turns on close and waits for the running one', async () => {
    fake.setTiming({ timeToFirstTokenMs: 200 });
    const s = service();
    const running = s.answer(turn('in flight'), new RecordingSink());
    await expect.poll(() => fake.chatRequests().length).toBe(1);
    const closed = s.close(5_000);
    const late = new RecordingSink();
    expect(await s.answer(turn('too late'), late)).toBe('refused');
    expect(late.text).toMatch(/restarting/);
    expect(await closed).toBe(true);
    expect(await running).toBe('completed');
  });
});
