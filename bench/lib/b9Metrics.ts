/** B9's figures from the fake's records and the workers' call times: upstream 429s and TPM used while work queued. */
import type { RecordedRequest } from '../../test/fakes/openai/index.js';
import { chargeRate } from '../b1Limiter.js';

export interface Call {
  at: number;
  first: number;
}

const SAMPLE_MS = 20;
/** A call still without its first token after this long is queued work (a round trip here takes a few ms). */
const QUEUED_AFTER_MS = 100;

export interface Utilisation {
  /** Share of the TPM refill rate charged while work waited; null when the queue never lasted long enough. */
  value: number | null;
  spanMs: number;
}

/** The span in which some call of any process waited longer than a round trip: [first, last] queued sample. */
function queuedSpan(calls: readonly Call[]): { from: number; to: number } | null {
  if (calls.length === 0) return null;
  const start = Math.min(...calls.map((c) => c.at));
  const end = Math.max(...calls.map((c) => c.first));
  let from: number | null = null;
  let to: number | null = null;
  for (let t = start; t <= end; t += SAMPLE_MS) {
    if (calls.some((c) => c.at <= t - QUEUED_AFTER_MS && c.first > t)) {
      from ??= t;
      to = t;
    }
  }
  return from === null || to === null ? null : { from, to };
}

/** Same method as B1: the slope of tokens charged at the fake after the first window of queued work. */
export function tpmUsed(
  requests: readonly RecordedRequest[],
  calls: readonly Call[],
  limits: { tpm: number; windowMs: number },
): Utilisation {
  const span = queuedSpan(calls);
  if (!span) return { value: null, spanMs: 0 };
  const from = span.from + limits.windowMs;
  const measured = chargeRate(requests, from, span.to);
  if (measured && measured.spanMs >= limits.windowMs / 2)
    return { value: (measured.rate * limits.windowMs) / limits.tpm, spanMs: measured.spanMs };
  if (span.to - from < limits.windowMs / 2) return { value: null, spanMs: 0 };
  const charged = requests
    .filter((r) => r.status === 200 && !r.rateLimited && r.at >= from && r.at <= span.to)
    .reduce((sum, r) => sum + r.promptTokens + (r.completionCap ?? 0), 0);
  return { value: charged / ((limits.tpm * (span.to - from)) / limits.windowMs), spanMs: span.to - from };
}
