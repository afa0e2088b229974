import { describe, expect, it } from 'vitest';
import { turnText } from '../../src/store/types.js';
import { pngOf } from '../helpers/testImages.js';
import { harnessPerTest, lastUserText, transcript, type Harness } from './harness.js';
import { buttonIds, buttonsAtRest, openConversation, storedTurns } from './controlsHelpers.js';
import { waitForAnswer } from './waitForAnswer.js';

describe('edits and deletes keep history in step with the thread', () => {
  let h: Harness;
  const start = harnessPerTest();
  const echo = {
    answer: (b: { messages: Parameters<typeof lastUserText>[0] }) => `You said: ${lastUserText(b.messages)}`,
  };

  async function followUp(threadId: string, content: string, answers: number) {
    const sent = h.discord.sendMessage({ channelId: threadId, content });
    await waitForAnswer(h.discord, threadId, { atLeast: answers });
    return sent;
  }

  it('editing the latest message answers it again; history holds the edited text and the new answer', async () => {
    h = await start({ openai: echo });
    const { threadId } = await openConversation(h, 'first');
    const latest = await followUp(threadId, 'waht is 2+2', 2);
    h.discord.editMessageAsMember(latest.id, 'what is 2+2');
    const shown = await waitForAnswer(h.discord, threadId, { atLeast: 3 });
    expect(shown.map((m) => m.current.content)).toEqual([
      'You said: first',
      'You said: waht is 2+2\n\n*(regenerated below)*',
      'You said: what is 2+2',
    ]);
    expect(buttonsAtRest(h, threadId)).toEqual({ stops: 0, regenerateOn: [2] });
    expect((await storedTurns(h, threadId)).map(turnText)).toEqual([
      'first',
      'You said: first',
      'what is 2+2',
      'You said: what is 2+2',
    ]);
  });

  it('editing an older message changes its stored text without a new answer; an embed-only update changes nothing', async () => {
    h = await start({ openai: echo });
    const { threadId, askedId } = await openConversation(h, 'I live in Lyon');
    const later = await followUp(threadId, 'see https://example.com', 2);
    h.discord.editMessageAsMember(askedId, 'I live in Paris');
    h.discord.resolveEmbeds(later.id);
    await h.discord.waitFor(async () => turnText((await storedTurns(h, threadId))[0]!) === 'I live in Paris', 5_000);
    await followUp(threadId, 'where do I live?', 3);
    expect(h.openai.chatRequests()).toHaveLength(3);
    expect(transcript(h.openai.chatRequests()[2]!.body).slice(1)).toEqual([
      'user: I live in Paris',
      'assistant: You said: I live in Lyon',
      'user: see https://example.com',
      'assistant: You said: see https://example.com',
      'user: where do I live?',
    ]);
  });

  it('deleting a message forgets its exchange and its image; the bot answer stays; deleting an answer forgets nothing', async () => {
    h = await start({ openai: echo });
    const { threadId } = await openConversation(h, 'hello');
    const image = await h.discord.uploadAttachment({ filename: 'cat.png', bytes: await pngOf(64, 64) });
    const withImage = h.discord.sendMessage({ channelId: threadId, content: 'my cat', attachments: [image] });
    await waitForAnswer(h.discord, threadId, { atLeast: 2 });
    const blobIds = (await h.bot.store.getThread(threadId))!.blobIds!;
    expect((await h.bot.store.getBlobs(threadId, blobIds)).size).toBe(1);
    await followUp(threadId, 'third', 3);

    h.discord.deleteMessageAsMember(withImage.id);
    await h.discord.waitFor(async () => (await storedTurns(h, threadId)).length === 4, 5_000);
    expect((await h.bot.store.getBlobs(threadId, blobIds)).size).toBe(0);
    expect((await h.bot.store.getThread(threadId))!.blobIds).toBeUndefined();
    // The bot's answer to the deleted message stays in the thread; deleting it (a moderator) forgets nothing more.
    const answers = h.discord.botMessagesIn(threadId);
    expect(answers[1]!.current.content).toMatch(/^You said: /);
    h.discord.deleteMessageAsMember(answers[0]!.id, h.discord.ids.adminUserId);
    await followUp(threadId, 'fourth', 3);
    expect(transcript(h.openai.chatRequests().at(-1)!.body).slice(1)).toEqual([
      'user: hello',
      'assistant: You said: hello',
      'user: third',
      'assistant: You said: third',
      'user: fourth',
    ]);
    expect(buttonIds(h.discord.botMessagesIn(threadId).at(-1))).toEqual([`turn:regen:${threadId}`]);
  });
});
