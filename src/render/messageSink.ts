import type { WritePriority } from './writeBudget.js';

/** How the renderer wants one write sent. */
export interface WriteOptions {
  priority: WritePriority;
  /** The renderer already took a grant of the bot-wide budget for this write. */
  preGranted: boolean;
  /**
   * Buttons the message shows after this write (the renderer's Stop/Regenerate); `[]` removes them, undefined
   * leaves them as they are (a send then has none).
   */
  controls?: readonly AnswerControl[];
}

/** A button on an answer message; `customId` lets a press find its turn again, also after a restart (≤ 100 chars). */
export interface AnswerControl {
  kind: 'stop' | 'regenerate';
  customId: string;
}

/** A change to an earlier answer message: a note appended to its content, and its buttons replaced. */
export interface MessageAmendment {
  append?: string;
  controls: readonly AnswerControl[];
}

/**
 * Why a write failed, as far as the renderer cares:
 * - `transient`: try again later (5xx, network, timeout);
 * - `uneditable`: this message can no longer be edited (edit limit on old messages, archived thread, no access)
 *   but still shows what it showed: continue the answer in a new message from there;
 * - `gone`: the message no longer exists (deleted): what it showed is lost, so the new message starts from where
 *   that one began;
 * - `fatal`: anything else; the render stops.
 */
export type WriteFailureKind = 'transient' | 'uneditable' | 'gone' | 'fatal';

export class SinkWriteError extends Error {
  constructor(
    readonly kind: WriteFailureKind,
    options: { cause: unknown; message?: string },
  ) {
    super(options.message ?? `message write failed (${kind})`, { cause: options.cause });
    this.name = 'SinkWriteError';
  }
}

/** The failure kind of any error a sink threw; errors that are not SinkWriteErrors are fatal. */
export const failureKind = (error: unknown): WriteFailureKind =>
  error instanceof SinkWriteError ? error.kind : 'fatal';

/** Where a renderer writes: one Discord thread (or a fake in tests). Implementations add allowed_mentions. */
export interface MessageSink {
  /** Post a new message in the thread; resolves with its id. */
  send(text: string, options?: WriteOptions): Promise<string>;
  /** Replace the content of a message this sink sent. */
  edit(messageId: string, text: string, options?: WriteOptions): Promise<void>;
  /** Show the typing indicator (lasts ~10 s on Discord). */
  typing(options?: WriteOptions): Promise<void>;
  /** Change a message posted earlier (by any turn): append a note, replace its buttons. Optional for fakes. */
  amend?(messageId: string, change: MessageAmendment, options?: WriteOptions): Promise<void>;
}
