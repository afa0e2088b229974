/**
 * What users would otherwise run, as B2 peer baselines, both through discord.js's REST queue (which waits out
 * buckets and the global limit): llmcord edits an answer at most once per second, one edit in flight, whatever the
 * bot-wide budget; js-llmcord runs an edit loop every 100 ms and leaves the pacing to the REST queue.
 */
import { Routes, type Client } from 'discord.js';
import { NO_MENTIONS } from '../../src/discord/threadSink.js';

export type PeerKind = 'llmcord' | 'jsllmcord';

export interface PeerStream {
  typing(): void;
  push(delta: string): void;
  /** Resolves once the final edit was issued (llmcord) or queued (js-llmcord). */
  finish(): Promise<boolean>;
}

const LLMCORD_EDIT_DELAY_MS = 1_000;
const JS_LLMCORD_LOOP_MS = 100;

function restWriter(client: Client<true>, channelId: string, signal: AbortSignal, counter: { issued: number }) {
  let messageId: Promise<string> | undefined;
  const body = (content: string) => ({ body: { content, allowed_mentions: NO_MENTIONS }, signal });
  return {
    get started() {
      return messageId !== undefined;
    },
    send(content: string) {
      counter.issued++;
      messageId = client.rest
        .post(Routes.channelMessages(channelId), body(content))
        .then((message) => (message as { id: string }).id);
      messageId.catch(() => undefined);
    },
    async edit(content: string): Promise<void> {
      counter.issued++;
      const id = await messageId;
      if (id) await client.rest.patch(Routes.channelMessage(channelId, id), body(content));
    },
    typing: () => void client.rest.post(Routes.channelTyping(channelId), { signal }).catch(() => undefined),
  };
}

/** llmcord: on each chunk, edit if the last edit was ≥ 1 s ago and none is in flight; a final edit at the end. */
function llmcord(writer: ReturnType<typeof restWriter>): PeerStream {
  let text = '';
  let shown = '';
  let lastEditAt = 0;
  let editing: Promise<void> | undefined;
  const edit = () => {
    lastEditAt = Date.now();
    const content = text;
    editing = writer
      .edit(content)
      .then(
        () => {
          shown = content;
        },
        () => undefined,
      )
      .finally(() => {
        editing = undefined;
      });
  };
  return {
    typing: writer.typing,
    push(delta) {
      text += delta;
      if (!writer.started) {
        writer.send(text);
        shown = text;
        lastEditAt = Date.now();
      } else if (!editing && Date.now() - lastEditAt >= LLMCORD_EDIT_DELAY_MS) edit();
    },
    async finish() {
      await editing;
      if (shown !== text) {
        edit();
        await editing;
      }
      return true;
    },
  };
}

/** js-llmcord: every 100 ms, if the text changed, queue an edit with it (not awaited). */
function jsLlmcord(writer: ReturnType<typeof restWriter>): PeerStream {
  let text = '';
  let issued = '';
  const flush = () => {
    if (!writer.started || text === issued) return;
    issued = text;
    writer.edit(text).catch(() => undefined);
  };
  let loop: NodeJS.Timeout | undefined;
  return {
    typing: writer.typing,
    push(delta) {
      text += delta;
      if (writer.started) return;
      writer.send(text);
      issued = text;
      loop = setInterval(flush, JS_LLMCORD_LOOP_MS);
    },
    async finish() {
      clearInterval(loop);
      flush();
      return true;
    },
  };
}

export function peerStream(
  kind: PeerKind,
  client: Client<true>,
  channelId: string,
  signal: AbortSignal,
  counter: { issued: number },
): PeerStream {
  const writer = restWriter(client, channelId, signal, counter);
  return kind === 'llmcord' ? llmcord(writer) : jsLlmcord(writer);
}
