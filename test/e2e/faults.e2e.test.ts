import { describe, expect, it } from 'vitest';
import { harnessPerTest, transcript, type Harness } from './harness.js';
import { visibleText, waitForAnswer } from './waitForAnswer.js';

describe('upstream faults end to end', () => {
  let h: Harness;
  const start = harnessPerTest();

  async function ask(text: string): Promise<string> {
    const asked = h.discord.sendMessage({ content: text, mentionsBot: true });
    return (await h.discord.waitForThread({ fromMessageId: asked.id })).id;
  }

  it('a 429 with retry-after, then success: the answer arrives', async () => {
    h = await start();
    h.openai.fail({ kind: 'rate_limit', retryAfterMs: 300 });
    const threadId = await ask('are you busy?');
    await waitForAnswer(h.discord, threadId);
    expect(visibleText(h.discord, threadId)).toBe('You said: are you busy?');
    expect(h.openai.chatRequests().map((r) => r.status)).toEqual([429, 200]);
  });

  it('insufficient_quota: a plain notice, no retry, the next turn works and the user turn is not duplicated', async () => {
    h = await start();
    const { discord, openai } = h;
    const threadId = await ask('first');
    await waitForAnswer(discord, threadId);
    openai.fail({ kind: 'insufficient_quota' });
    discord.sendMessage({ channelId: threadId, content: 'second' });
    await waitForAnswer(discord, threadId, { atLeast: 2 });
    const notice = discord.botMessagesIn(threadId).at(-1)!.current.content;
    expect(notice).toMatch(/quota is used up/);
    expect(notice).not.toMatch(/Error|stack|sk-/);
    expect(openai.chatRequests().filter((r) => r.status === 429)).toHaveLength(1);
    discord.sendMessage({ channelId: threadId, content: 'third' });
    await waitForAnswer(discord, threadId, { atLeast: 3 });
    expect(transcript(openai.chatRequests().at(-1)!.body).slice(1)).toEqual([
      'user: first',
      'assistant: You said: first',
      'user: third',
    ]);
  });

  it('a stream cut mid-answer keeps the partial text, shows a notice, and the bot keeps serving', async () => {
    h = await start({ openai: { answer: () => 'partial answer '.repeat(40), chunkTokens: 2, tokensPerSecond: 200 } });
    const { discord, openai } = h;
    openai.fail({ kind: 'cut', afterChunks: 6 });
    const threadId = await ask('tell me everything');
    await waitForAnswer(discord, threadId);
    const text = visibleText(discord, threadId);
    expect(text).toMatch(/^partial answer/);
    expect(text).toMatch(/interrupted/i);
    openai.setAnswer(() => 'complete answer');
    discord.sendMessage({ channelId: threadId, content: 'again please' });
    await waitForAnswer(discord, threadId, { atLeast: 2 });
    expect(discord.botMessagesIn(threadId).at(-1)!.current.content).toBe('complete answer');
    // The interrupted exchange was not kept.
    expect(transcript(openai.chatRequests().at(-1)!.body).slice(1)).toEqual(['user: again please']);
  });

  it('the primary model failing with server errors falls back to OPENAI_FALLBACK_MODEL and the answer arrives', async () => {
    h = await start({ env: { OPENAI_FALLBACK_MODEL: 'gpt-4o' } });
    const { discord, openai } = h;
    // The first try and both retries of the primary fail; the fallback is not affected.
    openai.fail(...Array.from({ length: 3 }, () => ({ kind: 'status' as const, status: 503, model: 'gpt-4o-mini' })));
    const threadId = await ask('anyone there?');
    await waitForAnswer(discord, threadId, { timeoutMs: 20_000 });
    expect(visibleText(discord, threadId)).toBe('You said: anyone there?');
    expect(openai.chatRequests().map((r) => `${r.model} ${r.status}`)).toEqual([
      'gpt-4o-mini 503',
      'gpt-4o-mini 503',
      'gpt-4o-mini 503',
      'gpt-4o 200',
    ]);
  });

  it('with OPENAI_MODERATION on, flagged input gets a notice and never reaches the chat model', async () => {
    h = await start({
      env: { OPENAI_MODERATION: 'true' },
      openai: { moderate: (input) => (input.includes('forbidden') ? ['violence'] : []) },
    });
    const { discord, openai } = h;
    const threadId = await ask('something forbidden');
    await waitForAnswer(discord, threadId);
    expect(visibleText(discord, threadId)).toMatch(/flagged by the moderation check/);
    expect(openai.chatRequests()).toHaveLength(0);
    expect(openai.requests.filter((r) => r.path === '/moderations')).toHaveLength(1);
    discord.sendMessage({ channelId: threadId, content: 'something harmless' });
    await waitForAnswer(discord, threadId, { atLeast: 2 });
    expect(discord.botMessagesIn(threadId).at(-1)!.current.content).toBe('You said: something harmless');
  });
});
