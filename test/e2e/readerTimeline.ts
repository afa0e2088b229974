/**
 * Every state a reader of a thread could have seen, rebuilt from the fake Discord's message versions: after each
 * create or edit (in arrival order) the bot's messages with the content they had then. A reader check then holds
 * at every moment, not just at the end.
 */
import type { FakeDiscord } from '../fakes/discord/index.js';
import { assertReassembles } from '../unit/render/readerChecks.js';

const CURSOR = ' ▌';

export function visibleStates(discord: FakeDiscord, channelId: string): string[][] {
  const messages = discord.botMessagesIn(channelId);
  const events = messages.flatMap((message, index) => message.versions.map((version, v) => ({ at: version.at, index, v })));
  // Ties in milliseconds keep message order: the renderer posts a message only after the previous one's final edit.
  events.sort((a, b) => a.at - b.at || a.index - b.index || a.v - b.v);
  const current: Array<string | undefined> = messages.map(() => undefined);
  return events.map(({ index, v }) => {
    current[index] = messages[index]?.versions[v]?.content;
    return current.filter((content): content is string => content !== undefined);
  });
}

/** What a message reads as without the streaming cursor (which withCursor puts on its own line after a fence). */
export function withoutCursor(content: string): string {
  if (!content.endsWith(CURSOR)) return content;
  const text = content.slice(0, -CURSOR.length);
  return text.endsWith('\n') ? text.slice(0, -1) : text;
}

/**
 * Throws unless, at every moment, the thread reads as a prefix of the answer with each character shown once, and
 * what was visible never disappears (the shown prefix only grows).
 */
export function assertEveryStateReadsOnce(states: readonly string[][], answer: string, strip: (s: string) => string = (s) => s): void {
  let shown = 0;
  states.forEach((state, moment) => {
    const bodies = state.map((content) => strip(withoutCursor(content)));
    let end: number;
    try {
      end = assertReassembles(bodies, answer, { prefix: true });
    } catch (error) {
      throw new Error(`moment ${moment} of ${states.length}: ${(error as Error).message}`);
    }
    if (end < shown) throw new Error(`moment ${moment}: visible text shrank from offset ${shown} to ${end}`);
    shown = end;
  });
}
