import type { ChatCompletionCreateParams } from 'openai/resources/chat/completions';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConversationService, type ConversationSettings } from '../../../src/conversation/conversationService.js';
import { fitNewestTurns } from '../../../src/conversation/historyWindow.js';
import { createModelClient, type ModelClient } from '../../../src/llm/modelClient.js';
import { silentLogger } from '../../../src/log.js';
import { EditBudget } from '../../../src/render/editBudget.js';
import { openStore, type KeyvStore } from '../../../src/store/keyvStore.js';
import { turnText } from '../../../src/store/types.js';
import { countPromptTokens, countTokens, TOKENS_PER_MESSAGE, TOKENS_PER_REPLY } from '../../../src/tokens/tokenCounter.js';
import { startFakeOpenAI, type FakeOpenAI } from '../../fakes/openai/index.js';
import { PromptCache } from '../../fakes/openai/promptCache.js';
import { RecordingSink } from '../../helpers/recordingSink.js';
import { makeTempDir, sqliteUrl } from '../../helpers/tempDir.js';
import { openaiConfig } from '../../helpers/testConfig.js';

const THREAD = '300000000000000001';
const TURNS = 30;
const SYSTEM = `You are a careful assistant for a book club. ${'Keep answers friendly and cite the chapter. '.repeat(12)}`;
const settings: ConversationSettings = {
  model: 'gpt-4o-mini',
  contextTokens: 2_256,
  maxCompletionTokens: 256,
  maxInputChars: 8000,
  summaryMemory: false,
  defaultSystemPrompt: SYSTEM,
  editIntervalMs: 250,
  userMessagesPerMinute: 0,
  guildDailyTokens: 0,
};

type Message = ChatCompletionCreateParams['messages'][number];
const line = (m: Message) => `${m.role}: ${String(m.content)}`;

describe('prompt caching over a long thread (fake OpenAI prefix cache)', () => {
  let temp: ReturnType<typeof makeTempDir>;
  let store: KeyvStore;
  let fake: FakeOpenAI;
  let model: ModelClient;
  let budget: EditBudget;

  beforeEach(async () => {
    temp = makeTempDir();
    store = await openStore(sqliteUrl(temp.dir));
    fake = await startFakeOpenAI({
      answer: (body) => `About question ${body.messages.length}: ${'the plot thickens in chapter nine, '.repeat(12)}`,
    });
    model = createModelClient({ config: openaiConfig(fake.url), maxCompletionTokens: 256, usage: store });
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

  it('keeps each request prefix byte-identical to the previous one except at a few large jumps; most input is cached', async () => {
    const service = new ConversationService({ store, model, logger: silentLogger(), editBudget: budget, botUserId: () => '2', settings });
    const sink = new RecordingSink();
    for (let i = 0; i < TURNS; i++) {
      const request = { threadId: THREAD, guildId: '1', channelId: '2', userId: '3', content: `Question ${i}: ${'what happens to the lighthouse keeper? '.repeat(4)}` };
      expect(await service.answer(request, sink)).toBe('completed');
    }
    const requests = fake.chatRequests();
    const prefixes = requests.map((r) => (r.body as ChatCompletionCreateParams).messages.slice(0, -1).map(line));
    let jumps = 0;
    for (let i = 1; i < prefixes.length; i++) {
      const before = prefixes[i - 1]!;
      const now = prefixes[i]!;
      const lastUser = line((requests[i - 1]!.body as ChatCompletionCreateParams).messages.at(-1)!);
      // The newest exchange is always in the request.
      expect(now.at(-2)).toBe(lastUser);
      const grewByOneExchange = now.length === before.length + 2 && before.every((m, k) => now[k] === m);
      if (grewByOneExchange) continue;
      jumps++;
      // A jump drops a large block at once (here: at least a third of the history), never a single old turn.
      expect(now.length).toBeLessThan(before.length * (2 / 3));
      expect(now[0]).toBe(`system: ${SYSTEM}`);
    }
    expect(jumps).toBeGreaterThanOrEqual(1); // the history did overflow the budget
    expect(jumps).toBeLessThanOrEqual(3);
    for (const r of requests) expect(r.promptTokens).toBeLessThanOrEqual(settings.contextTokens - settings.maxCompletionTokens);

    const share = (rows: Array<{ cached: number; prompt: number }>) =>
      rows.reduce((s, r) => s + r.cached, 0) / rows.reduce((s, r) => s + r.prompt, 0);
    const ours = share(requests.map((r) => ({ cached: r.cachedTokens ?? 0, prompt: r.promptTokens })));

    // The same conversation through the old one-turn sliding window, against the same cache model.
    const meta = (await store.getThread(THREAD))!;
    const turns = await store.getTurns(meta, 0, meta.turnCount);
    const cache = new PromptCache();
    const sliding = turns.flatMap((turn, index) => {
      if (turn.role !== 'user') return [];
      const userText = turnText(turn);
      const fixed = countTokens(SYSTEM) + 2 * TOKENS_PER_MESSAGE + countTokens(userText) + TOKENS_PER_REPLY;
      const older = turns.slice(0, index);
      const fit = fitNewestTurns(older, settings.contextTokens - settings.maxCompletionTokens - fixed);
      const messages = [{ role: 'system', text: SYSTEM }, ...older.slice(fit.start).map((t) => ({ role: t.role, text: turnText(t) })), { role: 'user', text: userText }];
      const prompt = countPromptTokens(messages.map((m) => ({ content: m.text })));
      return [{ cached: cache.lookup(messages, prompt), prompt }];
    });
    const slidingShare = share(sliding);
    expect(ours, `cached share ours ${ours.toFixed(3)} vs sliding ${slidingShare.toFixed(3)}`).toBeGreaterThanOrEqual(0.7);
    expect(slidingShare).toBeLessThan(ours / 2);
  });
});
