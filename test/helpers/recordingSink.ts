import type { MessageSink } from '../../src/render/messageSink.js';

/** A MessageSink that keeps what a reader of the thread would see: each message's latest content, in order. */
export class RecordingSink implements MessageSink {
  readonly messages: Array<{ id: string; content: string; versions: string[] }> = [];
  typings = 0;
  private next = 1;

  async send(text: string): Promise<string> {
    const id = `m${this.next++}`;
    this.messages.push({ id, content: text, versions: [text] });
    return id;
  }

  async edit(messageId: string, text: string): Promise<void> {
    const message = this.messages.find((m) => m.id === messageId);
    if (!message) throw new Error(`unknown message ${messageId}`);
    message.content = text;
    message.versions.push(text);
  }

  async typing(): Promise<void> {
    this.typings++;
  }

  /** Everything visible, messages joined by newlines. */
  get text(): string {
    return this.messages.map((m) => m.content).join('\n');
  }
}
