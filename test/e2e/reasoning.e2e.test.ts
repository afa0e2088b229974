import type { ChatCompletionCreateParams } from 'openai/resources/chat/completions';
import { describe, expect, it } from 'vitest';
import { harnessPerTest, transcript, type Harness } from './harness.js';
import { visibleText, waitForAnswer } from './waitForAnswer.js';

const THOUGHT = 'SECRET-THOUGHT the user wants a greeting, I will keep it short';

describe('reasoning models end to end', () => {
  let h: Harness;
  const start = harnessPerTest();

  async function ask(text: string): Promise<string> {
    const asked = h.discord.sendMessage({ content: text, mentionsBot: true });
    return (await h.discord.waitForThread({ fromMessageId: asked.id })).id;
  }
  /** Wait until the thread shows `text` as the bot's whole answer (a status like "Thinking…" comes first). */
  async function waitForText(threadId: string, text: string | RegExp, atLeast = 1): Promise<void> {
    const matches = () => {
      const shown = h.discord.botMessagesIn(threadId).at(-1)?.current.content ?? '';
      return typeof text === 'string' ? shown === text : text.test(shown);
    };
    await h.discord.waitFor(() => h.discord.botMessagesIn(threadId).length >= atLeast && matches(), {
      timeoutMs: 20_000,
      intervalMs: 20,
      description: `the answer ${String(text)}`,
    });
    await waitForAnswer(h.discord, threadId, { atLeast });
  }
  /** Every version of every bot message in the thread: what any reader could have seen at any moment. */
  const everyVersion = (threadId: string) =>
    h.discord.botMessagesIn(threadId).flatMap((m) => m.versions.map((v) => v.content ?? ''));

  it('a silent 3 s think with a 2 s stall setting shows "Thinking…", then the answer (not a stall)', async () => {
    h = await start({ openai: { reasoning: { style: 'silent', thinkMs: 3_000 } } });
    const threadId = await ask('think hard');
    await waitForText(threadId, 'You said: think hard');
    expect(visibleText(h.discord, threadId)).toBe('You said: think hard');
    expect(everyVersion(threadId)).toContain('*Thinking…*');
    expect(h.openai.chatRequests()).toHaveLength(1);
  });

  for (const style of ['reasoning_content', 'reasoning', 'think_tags'] as const) {
    it(`${style}: the thinking is never visible in any edit and absent from the next request`, async () => {
      h = await start({ openai: { reasoning: { style, text: THOUGHT, thinkMs: 1_800 }, chunkTokens: 1 } });
      const { discord, openai } = h;
      const threadId = await ask('hi');
      await waitForText(threadId, 'You said: hi');
      expect(visibleText(discord, threadId)).toBe('You said: hi');
      const seen = everyVersion(threadId);
      expect(seen.some((v) => v.includes('SECRET') || v.includes('think>'))).toBe(false);
      expect(seen).toContain('*Thinking…*');
      discord.sendMessage({ channelId: threadId, content: 'again' });
      await waitForText(threadId, 'You said: again', 2);
      expect(transcript(openai.chatRequests().at(-1)!.body).slice(1)).toEqual([
        'user: hi',
        'assistant: You said: hi',
        'user: again',
      ]);
    });
  }

  it('an answer that spent the whole cap thinking says so plainly and is not kept', async () => {
    h = await start({
      env: { MAX_COMPLETION_TOKENS: '64' },
      openai: { reasoning: { style: 'reasoning_content', text: THOUGHT, tokens: 500 } },
    });
    const { discord, openai } = h;
    const threadId = await ask('prove the Riemann hypothesis');
    await waitForAnswer(discord, threadId);
    expect(visibleText(discord, threadId)).toMatch(/used its whole answer budget thinking/);
    openai.setReasoning(undefined);
    discord.sendMessage({ channelId: threadId, content: 'something easier' });
    await waitForAnswer(discord, threadId, { atLeast: 2 });
    expect(transcript(openai.chatRequests().at(-1)!.body).slice(1)).toEqual(['user: something easier']);
  });

  it('records cached and reasoning tokens and /usage shows them', async () => {
    h = await start({ openai: { reasoning: { style: 'silent', tokens: 40 } } });
    const { discord } = h;
    const threadId = await ask('count');
    await waitForText(threadId, 'You said: count');
    const usage = await discord.runSlashCommand({ name: 'usage' }).settled();
    expect(usage.originalContent).toMatch(/Today \(UTC\): .* \(0 cached prompt, 40 reasoning tokens\)/);
  });

  it('prompt_cache_key is the thread id with OPENAI_PROMPT_CACHE_KEY=on, absent on auto against a compatible server', async () => {
    h = await start({ env: { OPENAI_PROMPT_CACHE_KEY: 'on', OPENAI_REASONING_EFFORT: 'low' } });
    const threadId = await ask('cache me');
    await waitForAnswer(h.discord, threadId);
    const body = h.openai.chatRequests()[0]!.body as ChatCompletionCreateParams;
    expect(body.prompt_cache_key).toBe(threadId);
    expect(body.reasoning_effort).toBe('low');
    await h.close();
    h = await start();
    const other = await ask('not me');
    await waitForAnswer(h.discord, other);
    const plain = h.openai.chatRequests()[0]!.body as ChatCompletionCreateParams;
    expect(plain).not.toHaveProperty('prompt_cache_key');
    expect(plain).not.toHaveProperty('reasoning_effort');
    expect(plain.messages[0]?.role).toBe('system');
  });
});
