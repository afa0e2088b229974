import { describe, expect, it } from 'vitest';
import { harnessPerTest, type Harness } from './harness.js';
import { buttonIds, buttonsAtRest } from './controlsHelpers.js';
import { waitForAnswer } from './waitForAnswer.js';

describe('answer buttons in every outcome', () => {
  let h: Harness;
  const start = harnessPerTest();

  async function answerIn(content: string) {
    const asked = h.discord.sendMessage({ content, mentionsBot: true });
    const thread = await h.discord.waitForThread({ fromMessageId: asked.id });
    await waitForAnswer(h.discord, thread.id);
    // Edits may wait out Discord's per-channel bucket: the turn's end, not a quiet moment, says the answer is done.
    await h.discord.waitFor(() => h.bot.service.queued(thread.id) === 0, 15_000);
    return thread.id;
  }

  it('a long answer over several messages: Stop rides on existing writes, Regenerate only on the last message', async () => {
    h = await start({ openai: { answer: () => 'Long answer. '.repeat(400), tokensPerSecond: 2000 } });
    const threadId = await answerIn('write a lot');
    const mine = h.discord.botMessagesIn(threadId);
    expect(mine.length).toBeGreaterThan(1);
    expect(buttonsAtRest(h, threadId)).toEqual({ stops: 0, regenerateOn: [mine.length - 1] });
    for (const message of mine) {
      const versions = h.discord.messageHistory(message.id);
      // No write changed only the buttons: every version shows new text.
      for (let i = 1; i < versions.length; i++) expect(versions[i]!.content).not.toBe(versions[i - 1]!.content);
    }
    // The first post carries Stop (later parts may be posted already sealed, without it).
    expect(JSON.stringify(h.discord.messageHistory(mine[0]!.id)[0]!.components)).toContain('turn:stop:');
  });

  it('an answer cut at the length limit keeps Regenerate; failed and interrupted answers show no button', async () => {
    h = await start({ openai: { answer: () => ({ text: 'Cut short here', finishReason: 'length' }) } });
    const cut = await answerIn('long please');
    expect(buttonsAtRest(h, cut)).toEqual({ stops: 0, regenerateOn: [0] });
    h.openai.fail({ kind: 'status', status: 400 });
    const failed = await answerIn('this one fails');
    expect(h.discord.botMessagesIn(failed).every((m) => buttonIds(m).length === 0)).toBe(true);
    // Cut mid-stream after text was shown (the Stop button was up): the error notice takes it away.
    h.openai.fail({ kind: 'cut', afterChunks: 3 });
    const broken = await answerIn('this one breaks');
    const shown = h.discord.botMessagesIn(broken);
    expect(shown.every((m) => buttonIds(m).length === 0)).toBe(true);
    expect(JSON.stringify(h.discord.messageHistory(shown[0]!.id)[0]!.components)).toContain('turn:stop:');
  });
});
