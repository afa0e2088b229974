/**
 * Injected REST failures: the next matching requests get an error answer instead of being handled, as Discord
 * does under an outage (5xx) or when a message is out of reach (10008 deleted, 30046 edit limit on old messages,
 * 50083 archived thread, 403). Checked after the rate limits, so a failed request still counts against them.
 */
import { DiscordApiError } from './errors.js';

export interface RestFault {
  /** Route template, e.g. `PATCH /channels/{channel_id}/messages/{message_id}`. */
  readonly route: string;
  readonly status: number;
  /** Discord's JSON error code (0 for server errors). */
  readonly code?: number;
  readonly message?: string;
  /** How many matching requests fail (default 1). */
  readonly times?: number;
  /** Only requests whose path parameters pass (default: every request to the route). */
  readonly when?: (params: Readonly<Record<string, string>>) => boolean;
}

export class RestFaults {
  private readonly pending: Array<{ fault: RestFault; left: number }> = [];

  add(...faults: readonly RestFault[]): void {
    for (const fault of faults) this.pending.push({ fault, left: fault.times ?? 1 });
  }

  /** The error for this request, if a fault matches (using one of its repetitions). */
  take(route: string, params: Readonly<Record<string, string>>): DiscordApiError | undefined {
    const entry = this.pending.find(
      ({ fault, left }) => left > 0 && fault.route === route && (fault.when?.(params) ?? true),
    );
    if (!entry) return undefined;
    entry.left -= 1;
    const { status, code = 0, message = `${status}: injected failure` } = entry.fault;
    return new DiscordApiError(status, { code, message });
  }
}
