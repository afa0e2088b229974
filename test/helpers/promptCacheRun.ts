/**
 * One long conversation through the real ConversationService, the real openai SDK and the fake OpenAI's prefix
 * cache; then the same stored conversation replayed through the old one-turn sliding window against the same cache
 * model. Shared by the prompt-cache test (behaviour) and benchmark B8 (figures).
 */
import type { ChatCompletionCreateParams } from 'openai/resources/chat/completions';
import { ConversationService, type ConversationSettings } from '../../src/conversation/conversationService.js';
import { fitNewestTurns } from '../../src/conversation/historyWindow.js';
import { createModelClient } from '../../src/llm/modelClient.js';
import { silentLogger } from '../../src/log.js';
import { EditBudget } from '../../src/render/editBudget.js';
import { openStore } from '../../src/store/keyvStore.js';
import { turnText } from '../../src/store/types.js';
import { countPromptTokens, countTokens, TOKENS_PER_MESSAGE, TOKENS_PER_REPLY } from '../../src/tokens/tokenCounter.js';
import { startFakeOpenAI, type RecordedRequest } from '../fakes/openai/index.js';
import { PromptCache } from '../fakes/openai/promptCache.js';
import { RecordingSink } from './recordingSink.js';
import { makeTempDir, sqliteUrl } from './tempDir.js';
import { openaiConfig, testTurnSettings } from './testConfig.js';

export const CACHE_RUN_SYSTEM_PROMPT = `You are a careful assistant for a book club. ${'Keep answers friendly and cite the chapter. '.repeat(12)}`;
const THREAD = '300000000000000001';

export interface CacheRunOptions {
  turns: number;
  /** Prompt budget = contextTokens − maxCompletionTokens. */
  contextTokens: number;
  maxCompletionTokens: number;
  model: string;
}

export interface CallTokens {
  prompt: number;
  cached: number;
}

export interface CacheRun {
  requests: RecordedRequest[];
  ours: CallTokens[];
  sliding: CallTokens[];
}

export async function runCachedConversation(options: CacheRunOptions): Promise<CacheRun> {
  const temp = makeTempDir();
  const store = await openStore(sqliteUrl(temp.dir));
  const fake = await startFakeOpenAI({
    answer: (body) => `About question ${body.messages.length}: ${'the plot thickens in chapter nine, '.repeat(12)}`,
  });
  const model = createModelClient({
    config: openaiConfig(fake.url, { model: options.model }),
    maxCompletionTokens: options.maxCompletionTokens,
    usage: store,
  });
  const budget = new EditBudget({ perSecond: 1000 });
  const settings: ConversationSettings = {
    model: options.model,
    contextTokens: options.contextTokens,
    maxCompletionTokens: options.maxCompletionTokens,
    maxInputChars: 8000,
    summaryMemory: false,
    defaultSystemPrompt: CACHE_RUN_SYSTEM_PROMPT,
    editIntervalMs: 250,
    userMessagesPerMinute: 0,
    guildDailyTokens: 0,
    ...testTurnSettings,
  };
  try {
    const service = new ConversationService({
      store,
      model,
      logger: silentLogger(),
      editBudget: budget,
      botUserId: () => '2',
      settings,
    });
    const sink = new RecordingSink();
    for (let i = 0; i < options.turns; i++) {
      const content = `Question ${i}: ${'what happens to the lighthouse keeper? '.repeat(4)}`;
      const outcome = await service.answer(
        { threadId: THREAD, guildId: '1', channelId: '2', userId: '3', content },
        sink,
      );
      if (outcome !== 'completed') throw new Error(`turn ${i} ended ${outcome}`);
    }
    fake.assertNoViolations();
    const requests = fake.chatRequests();
    const ours = requests.map((r) => ({ prompt: r.promptTokens, cached: r.cachedTokens ?? 0 }));
    const meta = (await store.getThread(THREAD))!;
    const turns = await store.getTurns(meta, 0, meta.turnCount);
    const cache = new PromptCache();
    const room = options.contextTokens - options.maxCompletionTokens;
    const sliding = turns.flatMap((turn, index) => {
      if (turn.role !== 'user') return [];
      const userText = turnText(turn);
      const fixed =
        countTokens(CACHE_RUN_SYSTEM_PROMPT) + 2 * TOKENS_PER_MESSAGE + countTokens(userText) + TOKENS_PER_REPLY;
      const older = turns.slice(0, index);
      const fit = fitNewestTurns(older, room - fixed);
      const messages = [
        { role: 'system', text: CACHE_RUN_SYSTEM_PROMPT },
        ...older.slice(fit.start).map((t) => ({ role: t.role, text: turnText(t) })),
        { role: 'user', text: userText },
      ];
      const prompt = countPromptTokens(messages.map((m) => ({ content: m.text })));
      return [{ prompt, cached: cache.lookup(messages, prompt) }];
    });
    return { requests, ours, sliding };
  } finally {
    budget.dispose();
    await model.close();
    await fake.close();
    await store.close();
    temp.remove();
  }
}

/** Share of prompt tokens served from the cache. */
export const cachedShare = (calls: readonly CallTokens[]): number =>
  calls.reduce((s, c) => s + c.cached, 0) /
  Math.max(
    1,
    calls.reduce((s, c) => s + c.prompt, 0),
  );

export type Message = ChatCompletionCreateParams['messages'][number];
export const messageLine = (m: Message): string => `${m.role}: ${String(m.content)}`;
