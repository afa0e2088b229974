/**
 * Closes answer messages a previous process left half-written (still showing the streaming cursor): the cursor
 * goes, a short note says a restart cut the answer off. Messages already final are left as they are.
 */
import type { Message, MessageEditOptions } from 'discord.js';
import { DISCORD_MESSAGE_LIMIT } from '../render/splitMessage.js';
import { formatNotice, NOTICE_SEPARATOR } from '../render/renderNotices.js';
import { STREAM_CURSOR } from '../render/streamView.js';
import { catchUpStrings } from '../strings.js';
import { NO_MENTIONS } from './threadSink.js';

/** The slice of a thread channel this needs. */
export interface UnfinishedChannel {
  messages: {
    fetch(messageId: string): Promise<Pick<Message, 'id' | 'content' | 'author'>>;
    edit(messageId: string, options: MessageEditOptions): Promise<unknown>;
  };
  send(options: { content: string; allowedMentions: typeof NO_MENTIONS }): Promise<unknown>;
}

/** The content of a message without its trailing cursor, or undefined when it shows none. */
export function withoutCursor(content: string): string | undefined {
  const cursor = STREAM_CURSOR.trim();
  const trimmed = content.trimEnd();
  return trimmed.endsWith(cursor) ? trimmed.slice(0, -cursor.length).trimEnd() : undefined;
}

/**
 * Close each of the bot's messages (by id) that still shows the cursor; resolves with how many were closed.
 * A message that is gone (deleted) is skipped; other failures reject.
 */
export async function closeUnfinished(
  channel: UnfinishedChannel,
  botUserId: string,
  messageIds: string[],
): Promise<number> {
  const note = formatNotice(catchUpStrings.interrupted);
  let closed = 0;
  for (const id of messageIds) {
    const message = await channel.messages.fetch(id).catch((error: unknown) => {
      if (isUnknownMessage(error)) return undefined;
      throw error;
    });
    if (!message || message.author.id !== botUserId) continue;
    const body = withoutCursor(message.content);
    if (body === undefined) continue;
    const joined = body === '' ? note : `${body}${NOTICE_SEPARATOR}${note}`;
    const fits = joined.length <= DISCORD_MESSAGE_LIMIT;
    // Components go too: a Stop button on an answer nobody is writing any more would do nothing.
    await channel.messages.edit(id, { content: fits ? joined : body, allowedMentions: NO_MENTIONS, components: [] });
    if (!fits) await channel.send({ content: note, allowedMentions: NO_MENTIONS });
    closed++;
  }
  return closed;
}

/** Discord's "Unknown Message" (10008): the message was deleted meanwhile. */
function isUnknownMessage(error: unknown): boolean {
  return typeof error === 'object' && error !== null && 'code' in error && error.code === 10008;
}
