/** Discord shows "is typing…" for about 10 s per request: refresh a little sooner. */
export const DEFAULT_TYPING_INTERVAL_MS = 8_000;

/** Keeps the typing indicator up until stopped. Failures are cosmetic and ignored. */
export class TypingIndicator {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private started = false;
  private stopped = false;

  constructor(
    private readonly sendTyping: () => Promise<void>,
    private readonly intervalMs: number = DEFAULT_TYPING_INTERVAL_MS,
  ) {}

  start(): void {
    if (this.started || this.stopped) return;
    this.started = true;
    this.tick();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private tick = (): void => {
    if (this.stopped) return;
    try {
      this.sendTyping().catch(() => undefined);
    } catch {
      // a sink that throws synchronously: same as a rejected typing request
    }
    this.timer = setTimeout(this.tick, this.intervalMs);
  };
}
