import { DiscordAPIError, type MessageCreateOptions, type MessageEditOptions } from 'discord.js';
import { SinkWriteError, type MessageSink, type WriteFailureKind, type WriteOptions } from '../render/messageSink.js';
import { DISCORD_MESSAGE_LIMIT } from '../render/splitMessage.js';
import { componentsFor } from './components/answerButtons.js';
import { withRestPriority } from './restBudget.js';

/** Model output must never ping anyone: every send and edit says so explicitly (an edit without it is re-parsed). */
export const NO_MENTIONS = { parse: [] } as const satisfies MessageCreateOptions['allowedMentions'];

/** The slice of a discord.js text-based channel the sink needs. */
export interface SendableChannel {
  send(options: MessageCreateOptions): Promise<{ id: string }>;
  sendTyping(): Promise<void>;
  messages: {
    edit(messageId: string, options: MessageEditOptions): Promise<unknown>;
    /** Needed to append a note to a message (amend). */
    fetch?(messageId: string): Promise<{ content: string }>;
  };
}

/** Edit limit on messages older than an hour, archived thread: that message still shows what it showed. */
const UNEDITABLE_CODES = new Set([30046, 50083]);
/** Unknown Message: it was deleted, and its text with it. */
const UNKNOWN_MESSAGE = 10008;

/** Discord's answer, as the renderer needs it. Without a Discord error body it was the network or a 5xx. */
export function classifyWriteError(error: unknown): WriteFailureKind {
  if (!(error instanceof DiscordAPIError)) return 'transient';
  if (error.code === UNKNOWN_MESSAGE) return 'gone';
  if (typeof error.code === 'number' && UNEDITABLE_CODES.has(error.code)) return 'uneditable';
  if (error.status === 403) return 'uneditable';
  if (error.status === 429 || error.status >= 500) return 'transient';
  return 'fatal';
}

const DEFAULT_WRITE: WriteOptions = { priority: 'urgent', preGranted: false };

async function write<T>(options: WriteOptions | undefined, request: () => Promise<T>): Promise<T> {
  const { priority, preGranted } = options ?? DEFAULT_WRITE;
  try {
    // The renderer retries its own writes (with the latest text), so the REST layer does not.
    return await withRestPriority({ priority, preGranted, retry: false }, request);
  } catch (error) {
    throw new SinkWriteError(classifyWriteError(error), { cause: error });
  }
}

/** The renderer's sink on a Discord channel. discord.js's REST queue handles buckets; the budget the global limit. */
export function threadSink(channel: SendableChannel): MessageSink {
  return {
    send: async (text, options) =>
      (
        await write(options, () =>
          channel.send({ content: text, allowedMentions: NO_MENTIONS, ...componentsFor(options?.controls) }),
        )
      ).id,
    edit: async (messageId, text, options) => {
      const body = { content: text, allowedMentions: NO_MENTIONS, ...componentsFor(options?.controls) };
      await write(options, () => channel.messages.edit(messageId, body));
    },
    amend: async (messageId, change, options) => {
      let content: string | undefined;
      if (change.append && channel.messages.fetch) {
        const current = (await write(options, () => channel.messages.fetch!(messageId))).content;
        const joined = `${current}\n\n${change.append}`;
        if (joined.length <= DISCORD_MESSAGE_LIMIT) content = joined;
      }
      const body = {
        ...(content === undefined ? {} : { content }),
        allowedMentions: NO_MENTIONS,
        ...componentsFor(change.controls),
      };
      await write(options, () => channel.messages.edit(messageId, body));
    },
    typing: (options) =>
      withRestPriority({ priority: 'spare', preGranted: options?.preGranted ?? false, retry: false }, () =>
        channel.sendTyping(),
      ),
  };
}
