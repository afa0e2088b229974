/** Where a renderer writes: one Discord thread (or a fake in tests). Implementations add allowed_mentions. */
export interface MessageSink {
  /** Post a new message in the thread; resolves with its id. */
  send(text: string): Promise<string>;
  /** Replace the content of a message this sink sent. */
  edit(messageId: string, text: string): Promise<void>;
  /** Show the typing indicator (lasts ~10 s on Discord). */
  typing(): Promise<void>;
}
