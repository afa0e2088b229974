import { opsStrings } from '../strings.js';

/** What /healthz asks. Both must pass for a 200. */
export interface HealthChecks {
  /** True while the Discord gateway is connected (discord.js: client.ws.status === Status.Ready). */
  gatewayConnected(): boolean;
  /** Resolves when the store answers a read; rejects or hangs otherwise. */
  pingStore(): Promise<void>;
}

export type HealthResult = { healthy: true } | { healthy: false; reason: string };

export const STORE_PING_TIMEOUT_MS = 2_000;

/**
 * Runs the checks with a bounded store ping. Concurrent probes share one ping in flight, so a hanging database
 * under a tight probe interval cannot pile up reads.
 */
export class HealthProbe {
  private inFlight: Promise<boolean> | undefined;

  constructor(
    private readonly checks: HealthChecks,
    private readonly timeoutMs = STORE_PING_TIMEOUT_MS,
  ) {}

  async check(): Promise<HealthResult> {
    if (!this.checks.gatewayConnected()) return { healthy: false, reason: opsStrings.gatewayDown };
    this.inFlight ??= this.pingOnce().finally(() => {
      this.inFlight = undefined;
    });
    const answered = await this.inFlight;
    return answered ? { healthy: true } : { healthy: false, reason: opsStrings.storeDown(this.timeoutMs) };
  }

  private async pingOnce(): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), this.timeoutMs);
    });
    const ping = this.checks.pingStore().then(
      () => true,
      () => false,
    );
    try {
      return await Promise.race([ping, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}
