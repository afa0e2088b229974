/**
 * Forum posts as conversations (SPEC: forum channels). A post is a thread whose starter message has the thread's
 * id and lives in the thread itself (threads grown from a channel message keep their starter in the parent), so
 * "message id = thread id, parent is a forum" identifies the first message of a post.
 */
import { ChannelType, type AnyThreadChannel, type Message } from 'discord.js';

/** The post a message starts, or undefined when it is not the starter message of a forum post. */
export async function forumPostStartedBy(message: Message): Promise<AnyThreadChannel | undefined> {
  const channel = message.channel;
  if (!channel.isThread() || message.id !== channel.id || !channel.parentId) return undefined;
  // The forum is normally cached (GUILD_CREATE / CHANNEL_CREATE); fetch it once when it is not.
  const parent = channel.parent ?? (await message.client.channels.fetch(channel.parentId).catch(() => null));
  return parent?.type === ChannelType.GuildForum ? channel : undefined;
}

/** The post's first turn: its title, then what its author wrote (tags are left out: labels, not a question). */
export const forumFirstTurn = (title: string, content: string): string =>
  content === '' ? title : `${title}\n\n${content}`;
