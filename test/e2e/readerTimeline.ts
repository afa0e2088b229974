/**
 * Every state a reader of a thread could have seen, rebuilt from the fake Discord's message versions: after each
 * create or edit (in arrival order) the bot's messages with the content they had then. A reader check then holds
 * at every moment, not just at the end.
 */
import type { FakeDiscord } from '../fakes/discord/index.js';
export { assertEveryStateReadsOnce, withoutCursor } from '../unit/render/readerChecks.js';

export function visibleStates(discord: FakeDiscord, channelId: string): string[][] {
  const messages = discord.botMessagesIn(channelId);
  const events = messages.flatMap((message, index) =>
    message.versions.map((version, v) => ({ at: version.at, index, v })),
  );
  // Ties in milliseconds keep message order: the renderer posts a message only after the previous one's final edit.
  events.sort((a, b) => a.at - b.at || a.index - b.index || a.v - b.v);
  const current: Array<string | undefined> = messages.map(() => undefined);
  return events.map(({ index, v }) => {
    current[index] = messages[index]?.versions[v]?.content;
    return current.filter((content): content is string => content !== undefined);
  });
}
