import type { FakeDiscord } from '../fakes/discord/index.js';
import type { MessageRecord } from '../fakes/discord/world.js';

const CURSOR = '▌';

/**
 * Wait until the bot has answered in a channel: at least `atLeast` bot messages, none still showing the streaming
 * cursor, and nothing changed for a moment. Bounded in time.
 */
export async function waitForAnswer(
  discord: FakeDiscord,
  channelId: string,
  options: { atLeast?: number; timeoutMs?: number } = {},
): Promise<MessageRecord[]> {
  const atLeast = options.atLeast ?? 1;
  await discord.waitFor(
    () => {
      const mine = discord.botMessagesIn(channelId);
      return mine.length >= atLeast && mine.every((m) => !m.current.content.includes(CURSOR));
    },
    {
      timeoutMs: options.timeoutMs ?? 15_000,
      intervalMs: 20,
      description: `${atLeast} finished bot message(s) in ${channelId}`,
    },
  );
  return discord.waitForBotMessageIdle(channelId, { idleMs: 400, atLeast, timeoutMs: options.timeoutMs ?? 15_000 });
}

/** The text a reader sees in a channel from the bot, messages joined by newlines. */
export const visibleText = (discord: FakeDiscord, channelId: string): string =>
  discord
    .botMessagesIn(channelId)
    .map((m) => m.current.content)
    .join('\n');
