import { describe, expect, it } from 'vitest';
import { harnessPerTest, type Harness } from './harness.js';
import { assertEveryStateReadsOnce, visibleStates } from './readerTimeline.js';
import { waitForAnswer } from './waitForAnswer.js';

const fenceCount = (text: string) => (text.match(/^\s*```/gm) ?? []).length;

/** A 5,000+ character answer whose TypeScript code block straddles the first 2,000-character boundary. */
function longAnswerWithCode(): string {
  const intro =
    'Here is the explanation.\n\n' + 'This paragraph explains the idea in some detail. '.repeat(30) + '\n\n';
  const code =
    '```ts\n' +
    Array.from({ length: 80 }, (_, i) => `const value${i} = compute(${i}); // step ${i}`).join('\n') +
    '\n```\n\n';
  const outro = 'And a closing paragraph that wraps everything up nicely. '.repeat(30);
  return intro + code + outro;
}

describe('rendering end to end', () => {
  let h: Harness;
  const start = harnessPerTest();

  it('a long answer arrives intact as ≤2000-character messages with repaired code fences', async () => {
    const answer = longAnswerWithCode();
    expect(answer.length).toBeGreaterThan(5_000);
    h = await start({
      openai: { answer: () => answer, tokensPerSecond: 2_000, chunkTokens: 8 },
      env: { MAX_COMPLETION_TOKENS: '4000' },
    });
    const { discord } = h;
    const asked = discord.sendMessage({ content: 'explain with code', mentionsBot: true });
    const thread = await discord.waitForThread({ fromMessageId: asked.id });
    const messages = await waitForAnswer(discord, thread.id, { atLeast: 3, timeoutMs: 30_000 });
    expect(messages.length).toBeGreaterThanOrEqual(3);
    for (const m of messages) {
      // Every state the reader ever saw fit in one message, and every final message has balanced fences.
      for (const v of discord.messageHistory(m.id)) expect(v.content.length).toBeLessThanOrEqual(2000);
      expect(fenceCount(m.current.content) % 2).toBe(0);
      expect(m.current.content).not.toContain('▌');
    }
    // The code block was cut by a split: one message closes it, the next reopens it with the same language.
    const reopened = messages.slice(1).find((m) => m.current.content.startsWith('```ts\n'));
    expect(reopened).toBeDefined();
    // Joined back together (fence repairs removed) the messages are the whole answer.
    const joined = messages.map((m) => m.current.content).join('\n');
    const normalize = (t: string) =>
      t
        .replace(/```ts\n/g, '')
        .replace(/```/g, '')
        .replace(/\s+/g, ' ')
        .trim();
    expect(normalize(joined)).toBe(normalize(answer));
    // While it rolled over from message to message, a reader saw every character once at every moment.
    const states = visibleStates(discord, thread.id);
    expect(states.length).toBeGreaterThan(messages.length);
    assertEveryStateReadsOnce(states, answer);
    // No 400s from Discord along the way.
    expect(discord.requests.filter((r) => r.status === 400)).toHaveLength(0);
  });

  it('model output with @everyone, @here, role and user mentions pings nobody, on every send and every edit', async () => {
    h = await start({
      openai: {
        answer: () =>
          `Hey @everyone and @here! Ping <@100000000000000001> and <@&200000000000000009>. ${'filler text '.repeat(40)} Also <@!100000000000000001>.`,
        tokensPerSecond: 100,
        chunkTokens: 2,
      },
    });
    const { discord } = h;
    const asked = discord.sendMessage({ content: 'say something rude', mentionsBot: true });
    const thread = await discord.waitForThread({ fromMessageId: asked.id });
    const [answer] = await waitForAnswer(discord, thread.id);
    expect(answer!.current.content).toContain('@everyone');
    const versions = discord.messageHistory(answer!.id);
    expect(versions.length).toBeGreaterThan(1);
    for (const v of versions) expect(v.allowedMentions).toEqual({ parse: [] });
    const writes = discord.requests.filter(
      (r) =>
        r.route === 'POST /channels/{channel_id}/messages' ||
        r.route === 'PATCH /channels/{channel_id}/messages/{message_id}',
    );
    expect(writes.length).toBeGreaterThan(1);
    for (const w of writes) expect(w.allowedMentions).toEqual({ parse: [] });
    expect(discord.pings).toEqual([]);
  });

  it('an answer that hits the length cap ends with a short note', async () => {
    h = await start({ openai: { answer: () => 'word '.repeat(500) }, env: { MAX_COMPLETION_TOKENS: '50' } });
    const { discord } = h;
    const asked = discord.sendMessage({ content: 'write a lot', mentionsBot: true });
    const thread = await discord.waitForThread({ fromMessageId: asked.id });
    const [answer] = await waitForAnswer(discord, thread.id);
    expect(answer!.current.content).toMatch(/^word word/);
    expect(answer!.current.content).toMatch(/length limit/);
  });
});
