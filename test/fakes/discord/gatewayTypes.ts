import type { GatewayDispatchPayload } from 'discord-api-types/v10';

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** A dispatch payload before the gateway gives it a per-session sequence number. */
export type UnsequencedDispatch = DistributiveOmit<GatewayDispatchPayload, 's'>;

/** What a dispatch needs to know about the session it is delivered to. */
export interface SessionView {
  readonly sessionId: string;
  readonly intents: number;
}

export interface DispatchOptions<T extends UnsequencedDispatch = UnsequencedDispatch> {
  /** Deliver only to sessions that identified with this intent bit. */
  readonly intent?: number;
  /** Rewrite the payload for one session (e.g. blank content without the MessageContent intent). */
  readonly adapt?: (session: SessionView) => T;
}

export interface Dispatcher {
  dispatch<T extends UnsequencedDispatch>(payload: T, options?: DispatchOptions<T>): void;
}
