import type { MessageSink } from '../../../src/render/messageSink.js';
import { hasLoneSurrogate } from './readerChecks.js';

export interface SinkCall {
  op: 'send' | 'edit' | 'typing';
  /** Message id (edits, and sends once they resolved). */
  id?: string;
  text?: string;
  /** Fake-clock time the request was issued (ms). */
  at: number;
  /** Which sink issued it (when several share a log). */
  sink: number;
}

export interface FakeSinkOptions {
  /** How long each request takes to resolve (ms); a function for varying latency. 0 = next microtask. */
  latencyMs?: number | (() => number);
  /** Discord's content limit, checked on every send and edit. */
  limit?: number;
  /** Return an error to make that request fail. */
  fail?: (call: SinkCall) => Error | undefined;
  /** Shared request log, to count requests across many sinks. */
  log?: SinkCall[];
}

let nextSinkNumber = 0;
/** Realistic 19-digit snowflakes. */
let nextId = 1_300_000_000_000_000_000n;

/**
 * A Discord thread as a reader sees it: messages in order with their current content. Records every request with
 * its fake-clock time and notes anything Discord would reject or the renderer must never do.
 */
export class FakeSink implements MessageSink {
  readonly calls: SinkCall[] = [];
  /** Message id → current content, in posting order. */
  readonly messages = new Map<string, string>();
  /** Things Discord would reject, or the renderer promised never to do. */
  readonly violations: string[] = [];
  /** What a reader saw over time: the messages' contents after each write landed. */
  readonly timeline: string[][] = [];
  readonly number = nextSinkNumber++;
  private readonly inFlight = new Set<string>();

  constructor(private readonly options: FakeSinkOptions = {}) {}

  get writes(): SinkCall[] {
    return this.calls.filter((call) => call.op !== 'typing');
  }

  /** Final contents of the messages, in order. */
  get contents(): string[] {
    return [...this.messages.values()];
  }

  async send(text: string): Promise<string> {
    const call = this.record({ op: 'send', text });
    this.checkContent(text);
    await this.latency();
    this.maybeFail(call);
    const id = String(nextId++);
    call.id = id;
    this.messages.set(id, text);
    this.timeline.push(this.contents);
    return id;
  }

  async edit(messageId: string, text: string): Promise<void> {
    const call = this.record({ op: 'edit', id: messageId, text });
    this.checkContent(text);
    if (!this.messages.has(messageId)) this.violations.push(`edit of unknown message ${messageId}`);
    if (this.inFlight.has(messageId)) this.violations.push(`two requests in flight for ${messageId} at ${call.at}`);
    this.inFlight.add(messageId);
    try {
      await this.latency();
      this.maybeFail(call);
      this.messages.set(messageId, text);
      this.timeline.push(this.contents);
    } finally {
      this.inFlight.delete(messageId);
    }
  }

  async typing(): Promise<void> {
    this.record({ op: 'typing' });
    await this.latency();
  }

  editsOf(id: string): SinkCall[] {
    return this.calls.filter((call) => call.op === 'edit' && call.id === id);
  }

  private record(partial: Omit<SinkCall, 'at' | 'sink'>): SinkCall {
    const call: SinkCall = { ...partial, at: Date.now(), sink: this.number };
    this.calls.push(call);
    this.options.log?.push(call);
    return call;
  }

  private checkContent(text: string): void {
    const limit = this.options.limit ?? 2000;
    if (text.length > limit) this.violations.push(`content of ${text.length} chars exceeds ${limit}`);
    if (text.trim() === '') this.violations.push('empty or whitespace-only content');
    if (hasLoneSurrogate(text)) this.violations.push(`half a surrogate pair in ${JSON.stringify(text.slice(-20))}`);
  }

  private maybeFail(call: SinkCall): void {
    const error = this.options.fail?.(call);
    if (error) throw error;
  }

  private latency(): Promise<void> {
    const { latencyMs = 0 } = this.options;
    const ms = typeof latencyMs === 'function' ? latencyMs() : latencyMs;
    return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();
  }
}
