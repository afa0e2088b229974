import { InteractionResponseType } from 'discord-api-types/v10';
import { describe, expect, it } from 'vitest';
import { turnText } from '../../src/store/types.js';
import { countTokens } from '../../src/tokens/tokenCounter.js';
import { harnessPerTest, lastUserText, transcript, type Harness } from './harness.js';
import { buttonIds, buttonsAtRest, storedTurns, waitForStop } from './controlsHelpers.js';
import { waitForAnswer } from './waitForAnswer.js';

const LONG = 'word '.repeat(400);
const slow = { tokensPerSecond: 40, chunkTokens: 2 };

describe('Stop and Regenerate on an answer', () => {
  let h: Harness;
  const start = harnessPerTest();

  async function askSlowly(content: string) {
    const asked = h.discord.sendMessage({ content, mentionsBot: true });
    const thread = await h.discord.waitForThread({ fromMessageId: asked.id });
    return { threadId: thread.id, stopOn: await waitForStop(h, thread.id) };
  }

  it('Stop by the asker: the text stays marked (stopped), the request is cancelled, the partial answer is history', async () => {
    h = await start({
      openai: { answer: (b) => (lastUserText(b.messages) === 'go on' ? 'ok' : `Partial ${LONG}`), ...slow },
    });
    const { threadId, stopOn } = await askSlowly('tell me everything');
    // The button came with the first post itself: it costs no write of its own.
    expect(
      buttonIds({ ...stopOn, current: { ...stopOn.current, components: [...stopOn.versions[0]!.components] } }),
    ).toEqual([expect.stringMatching(/^turn:stop:/)]);
    await h.discord.waitFor(() => stopOn.current.content.length > 40, 5_000);
    const pressedAt = Date.now();
    const press = h.discord.pressButton({ messageId: stopOn.id });
    expect(await press.waitForResponse()).toBe(InteractionResponseType.DeferredMessageUpdate);
    const request = h.openai.chatRequests()[0]!;
    await h.discord.waitFor(() => request.clientAbortedAt, 2_000);
    expect(request.clientAbortedAt! - pressedAt).toBeLessThan(1_200);
    const [answer] = await waitForAnswer(h.discord, threadId);
    expect(answer!.current.content).toMatch(/^Partial word word.*\n\n\*\(stopped\)\*$/s);
    expect(buttonsAtRest(h, threadId)).toEqual({ stops: 0, regenerateOn: [0] });

    const [, stored] = await storedTurns(h, threadId);
    const partial = turnText(stored!);
    expect(partial.length).toBeLessThan(`Partial ${LONG}`.length);
    expect(stored!.tokens).toBe(countTokens(partial));
    h.discord.sendMessage({ channelId: threadId, content: 'go on' });
    await h.discord.waitFor(() => h.openai.chatRequests().length === 2, 5_000);
    expect(transcript(h.openai.chatRequests()[1]!.body).slice(1, 3)).toEqual([
      'user: tell me everything',
      `assistant: ${partial}`,
    ]);
  });

  it('Stop by someone else is refused ephemerally and the answer goes on to the end', async () => {
    h = await start({ openai: { answer: () => `Whole ${'word '.repeat(120)}`, ...slow } });
    const other = h.discord.addMember({ username: 'bystander' });
    const { threadId, stopOn } = await askSlowly('a question');
    const press = h.discord.pressButton({ messageId: stopOn.id, userId: other.id });
    const outcome = await press.settled();
    expect(outcome.ephemeral).toBe(true);
    expect(outcome.originalContent).toMatch(/Only the asker/);
    expect(outcome.respondedAfterMs).toBeLessThan(3_000);
    const [answer] = await waitForAnswer(h.discord, threadId, { timeoutMs: 20_000 });
    expect(answer!.current.content).toBe(`Whole ${'word '.repeat(120)}`.trim());
    expect(h.openai.chatRequests()[0]!.clientAbortedAt).toBeUndefined();
  });

  it('a Stop press on a finished answer (a client that missed the last edit) is answered plainly', async () => {
    h = await start({ openai: { answer: () => `Done ${'word '.repeat(60)}`, ...slow } });
    const { threadId, stopOn } = await askSlowly('short one');
    const stopId = buttonIds(stopOn)[0];
    await waitForAnswer(h.discord, threadId);
    expect(buttonIds(stopOn)).toEqual([`turn:regen:${threadId}`]);
    const press = h.discord.pressButton({ messageId: stopOn.id, customId: stopId, stale: true });
    const outcome = await press.settled();
    expect(outcome.ephemeral).toBe(true);
    expect(outcome.originalContent).toMatch(/already finished/);
  });

  it('Regenerate: old answer marked without buttons, a new one streams, history keeps only the new one', async () => {
    let n = 0;
    h = await start({
      openai: {
        answer: (b) => (lastUserText(b.messages) === 'next' ? 'ok' : `Take ${++n}: ${lastUserText(b.messages)}`),
      },
    });
    const asked = h.discord.sendMessage({ content: 'name a colour', mentionsBot: true });
    const threadId = (await h.discord.waitForThread({ fromMessageId: asked.id })).id;
    const [old] = await waitForAnswer(h.discord, threadId);
    expect(buttonIds(old)).toEqual([`turn:regen:${threadId}`]);
    const press = h.discord.pressButton({ messageId: old!.id });
    expect(await press.waitForResponse()).toBe(InteractionResponseType.DeferredMessageUpdate);
    const after = await waitForAnswer(h.discord, threadId, { atLeast: 2 });
    expect(after.map((m) => m.current.content)).toEqual([
      'Take 1: name a colour\n\n*(regenerated below)*',
      'Take 2: name a colour',
    ]);
    expect(buttonsAtRest(h, threadId)).toEqual({ stops: 0, regenerateOn: [1] });
    h.discord.sendMessage({ channelId: threadId, content: 'next' });
    await waitForAnswer(h.discord, threadId, { atLeast: 3 });
    expect(transcript(h.openai.chatRequests().at(-1)!.body).slice(1)).toEqual([
      'user: name a colour',
      'assistant: Take 2: name a colour',
      'user: next',
    ]);
    // The newest answer alone carries Regenerate; the one before lost it in one edit.
    expect(buttonsAtRest(h, threadId)).toEqual({ stops: 0, regenerateOn: [2] });
  });

  it('Regenerate still works after a restart; a non-asker is refused', async () => {
    let n = 0;
    h = await start({ openai: { answer: () => `Version ${++n}` } });
    const asked = h.discord.sendMessage({ content: 'pick a number', mentionsBot: true });
    const threadId = (await h.discord.waitForThread({ fromMessageId: asked.id })).id;
    const [old] = await waitForAnswer(h.discord, threadId);
    await h.restart();
    const other = h.discord.addMember({ username: 'someone' });
    const refused = await h.discord.pressButton({ messageId: old!.id, userId: other.id }).settled();
    expect(refused.ephemeral).toBe(true);
    expect(refused.originalContent).toMatch(/Only the asker/);
    await h.discord.pressButton({ messageId: old!.id }).waitForResponse();
    await waitForAnswer(h.discord, threadId, { atLeast: 3 });
    const after = h.discord.botMessagesIn(threadId, { includeEphemeral: false });
    expect(after.map((m) => m.current.content)).toEqual(['Version 1\n\n*(regenerated below)*', 'Version 2']);
    expect((await storedTurns(h, threadId)).map(turnText)).toEqual(['pick a number', 'Version 2']);
  });
});
