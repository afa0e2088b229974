import type Bottleneck from 'bottleneck';
import type { RateLimitSnapshot } from './rateLimitHeaders.js';

export interface LimiterCluster {
  /** bottleneck's connection over the process's shared ioredis client. */
  connection: Bottleneck.IORedisConnection;
  /** Key prefix shared by every process of the deployment (the limits are in it, so a change starts fresh). */
  id: string;
}

export interface RateLimiterOptions {
  /** Requests per window (OpenAI: per minute). */
  rpm: number;
  /** Tokens per window. */
  tpm: number;
  /** Fraction of each limit kept free; 0.1 = run at 90 %. */
  safetyMargin?: number;
  /** The window the limits are expressed in; 60,000 ms. Tests shrink it (with the fake server's) to run faster. */
  windowMs?: number;
  queueNoticeDelayMs?: number;
  /** Share the reservoirs through Redis (bottleneck clustering); omitted = in this process only. */
  cluster?: LimiterCluster;
}

export interface QueueInfo {
  /** 1 = next to be admitted. */
  position: number;
}

export interface AcquireOptions {
  signal?: AbortSignal;
  /** Called once if the call has to wait for capacity. */
  onQueued?(info: QueueInfo): void;
}

export interface Permit {
  /** Tokens charged (after clamping). */
  tokens: number;
  waitedMs: number;
}

export interface ModelRateLimiter {
  /** The reservoirs' maxima after the safety margin. */
  readonly capacity: { requests: number; tokens: number };
  /** What a call costs against TPM: prompt estimate + completion cap, clamped to the capacity. */
  weigh(promptTokens: number, completionCap: number): number;
  /** Wait until one request of `tokens` weight may be sent. Rejects if `signal` aborts or the limiter stops. */
  acquire(tokens: number, options?: AcquireOptions): Promise<Permit>;
  /** Adjust the token reservoir: positive gives tokens back, negative charges more. */
  correctTokens(delta: number): Promise<void>;
  /** Lower our reservoirs to the server's `x-ratelimit-remaining-*` (minus the margin). */
  syncWithServer(snapshot: RateLimitSnapshot): Promise<void>;
  /** Calls waiting for capacity right now. */
  queued(): number;
  /** Current reservoirs (may be negative after corrections). */
  available(): Promise<{ requests: number; tokens: number }>;
  /** Drop waiting calls (they reject) and stop the refill timers. */
  stop(): Promise<void>;
}
