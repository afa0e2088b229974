import type { MessageCreateOptions, MessageEditOptions } from 'discord.js';
import type { MessageSink } from '../render/messageSink.js';

/** Model output must never ping anyone: every send and edit says so explicitly (an edit without it is re-parsed). */
export const NO_MENTIONS = { parse: [] } as const satisfies MessageCreateOptions['allowedMentions'];

/** The slice of a discord.js text-based channel the sink needs. */
export interface SendableChannel {
  send(options: MessageCreateOptions): Promise<{ id: string }>;
  sendTyping(): Promise<void>;
  messages: { edit(messageId: string, options: MessageEditOptions): Promise<unknown> };
}

/** The renderer's sink on a Discord channel. discord.js's REST queue handles buckets and 429s. */
export function threadSink(channel: SendableChannel): MessageSink {
  return {
    send: async (text) => (await channel.send({ content: text, allowedMentions: NO_MENTIONS })).id,
    edit: async (messageId, text) => {
      await channel.messages.edit(messageId, { content: text, allowedMentions: NO_MENTIONS });
    },
    typing: () => channel.sendTyping(),
  };
}
