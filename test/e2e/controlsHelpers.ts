/** Helpers for the Stop/Regenerate/edit/delete end-to-end tests. */
import { buttonsOf, type MessageRecord } from '../fakes/discord/index.js';
import type { Harness } from './harness.js';
import { waitForAnswer } from './waitForAnswer.js';

/** custom_ids of the buttons a message shows now. */
export const buttonIds = (message: MessageRecord | undefined): string[] =>
  buttonsOf(message?.current.components).map((b) => b.custom_id ?? '');

/** A member mentions the bot in #general; resolves once the answer is complete in the new thread. */
export async function openConversation(h: Harness, content: string) {
  const asked = h.discord.sendMessage({ content, mentionsBot: true });
  const thread = await h.discord.waitForThread({ fromMessageId: asked.id });
  await waitForAnswer(h.discord, thread.id);
  return { threadId: thread.id, askedId: asked.id };
}

/** The bot's message in the thread that shows a Stop button (while an answer streams). */
export function waitForStop(h: Harness, threadId: string): Promise<MessageRecord> {
  return h.discord.waitFor(
    () => h.discord.botMessagesIn(threadId).find((m) => buttonIds(m).some((id) => id.startsWith('turn:stop:'))),
    { timeoutMs: 10_000, description: 'a Stop button' },
  );
}

/** Every bot message of the thread: no Stop anywhere, Regenerate (if any) only on the very last one. */
export function buttonsAtRest(h: Harness, threadId: string): { stops: number; regenerateOn: number[] } {
  const mine = h.discord.botMessagesIn(threadId);
  const stops = mine.filter((m) => buttonIds(m).some((id) => id.startsWith('turn:stop:'))).length;
  const regenerateOn = mine.flatMap((m, i) => (buttonIds(m).some((id) => id.startsWith('turn:regen:')) ? [i] : []));
  return { stops, regenerateOn };
}

/** Turns stored for the thread, as `role: text` lines. */
export async function storedTurns(h: Harness, threadId: string) {
  const meta = await h.bot.store.getThread(threadId);
  return meta ? h.bot.store.getTurns(meta, 0, meta.turnCount) : [];
}
