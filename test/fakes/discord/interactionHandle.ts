import type { Snowflake } from 'discord-api-types/globals';
import { InteractionResponseType, InteractionType, MessageFlags } from 'discord-api-types/v10';
import type { APIMessageComponentGuildInteraction } from 'discord-api-types/v10';
import type { InteractionCall, InteractionRecord } from './interactions.js';
import { waitFor } from './wait.js';
import type { FakeWorld, MessageRecord } from './world.js';

/** What a user saw of an interaction once the bot is done with it. */
export interface InteractionOutcome {
  /** Type of the first callback: 4 reply, 5 defer, 9 modal. */
  readonly responseType: InteractionResponseType;
  readonly deferred: boolean;
  /** Ephemeral flag (64) of the first response, decided at the first response. */
  readonly ephemeral: boolean;
  /** Milliseconds from INTERACTION_CREATE to the first callback (Discord allows 3000). */
  readonly respondedAfterMs: number;
  /** The @original message (undefined for a modal, or if deleted). */
  readonly original: MessageRecord | undefined;
  /** Final content of @original ('' if none). */
  readonly originalContent: string;
  /** Follow-up messages that are separate from @original. */
  readonly followUps: readonly MessageRecord[];
  readonly followUpContents: readonly string[];
  /** Every REST call made on this interaction, in order. */
  readonly calls: readonly InteractionCall[];
}

export interface SettleOptions {
  /** The interaction counts as settled after no call for this long (default 300 ms). */
  readonly idleMs?: number;
  /** Upper bound for the whole wait (default 10000 ms). */
  readonly timeoutMs?: number;
}

/** A slash command a simulated user ran; read or await how the bot answered it. */
export class InteractionHandle {
  constructor(
    private readonly record: InteractionRecord,
    private readonly world: FakeWorld,
  ) {}

  get id(): Snowflake {
    return this.record.id;
  }

  get token(): string {
    return this.record.token;
  }

  /** The INTERACTION_CREATE payload that was dispatched. */
  get payload(): Exclude<InteractionRecord['payload'], APIMessageComponentGuildInteraction> {
    const payload = this.record.payload;
    if (payload.type === InteractionType.MessageComponent) {
      throw new Error('a button press has no slash-command payload (see componentPayload)');
    }
    return payload;
  }

  /** The INTERACTION_CREATE payload of a button press. */
  get componentPayload(): APIMessageComponentGuildInteraction {
    const payload = this.record.payload;
    if (payload.type !== InteractionType.MessageComponent) throw new Error('not a button press');
    return payload;
  }

  get calls(): readonly InteractionCall[] {
    return this.record.calls;
  }

  get responseType(): InteractionResponseType | undefined {
    return this.record.response?.type;
  }

  get ephemeral(): boolean {
    return this.record.response?.ephemeral ?? false;
  }

  get original(): MessageRecord | undefined {
    return this.record.originalMessageId ? this.world.messages.get(this.record.originalMessageId) : undefined;
  }

  get followUps(): MessageRecord[] {
    return this.record.followUpIds
      .map((id) => this.world.messages.get(id))
      .filter((m): m is MessageRecord => m !== undefined);
  }

  /** Resolves with the choices an autocomplete interaction was answered with. */
  async waitForChoices(timeoutMs = 5_000): Promise<ReadonlyArray<{ name: string; value: string | number }>> {
    return waitFor(() => this.record.choices, { timeoutMs, description: `choices for /${this.record.commandName}` });
  }

  /** Resolves at the first callback (reply / defer / modal). */
  async waitForResponse(timeoutMs = 5_000): Promise<InteractionResponseType> {
    return waitFor(() => this.record.response?.type, {
      timeoutMs,
      description: `a response to /${this.record.commandName}`,
    });
  }

  /**
   * Resolves once the bot answered, the "thinking…" state is over, and no call was made on the interaction for
   * `idleMs`; returns what the user sees.
   */
  async settled(options: SettleOptions = {}): Promise<InteractionOutcome> {
    const idleMs = options.idleMs ?? 300;
    await waitFor(
      () => {
        const response = this.record.response;
        if (!response) return false;
        const original = this.original;
        const loading =
          original !== undefined &&
          original.deletedAt === null &&
          ((original.current.flags ?? 0) & MessageFlags.Loading) !== 0;
        return !loading && Date.now() - this.record.lastActivityAt >= idleMs;
      },
      { timeoutMs: options.timeoutMs ?? 10_000, intervalMs: 20, description: `/${this.record.commandName} to settle` },
    );
    return this.outcome();
  }

  /** The current state (see `settled()` to wait for the final one). */
  outcome(): InteractionOutcome {
    const response = this.record.response;
    if (!response) throw new Error(`/${this.record.commandName} has no response yet`);
    const original = this.original && this.original.deletedAt === null ? this.original : undefined;
    const followUps = this.followUps.filter((m) => m.deletedAt === null);
    return {
      responseType: response.type,
      deferred: response.type === InteractionResponseType.DeferredChannelMessageWithSource,
      ephemeral: response.ephemeral,
      respondedAfterMs: response.at - this.record.createdAt,
      original,
      originalContent: original?.current.content ?? '',
      followUps,
      followUpContents: followUps.map((m) => m.current.content),
      calls: [...this.record.calls],
    };
  }
}
