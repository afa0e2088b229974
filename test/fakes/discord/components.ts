/**
 * Message components in the fake: what the spec cannot say about them (custom_id unique within a message), and
 * the MESSAGE_COMPONENT interaction (type 3) a member's button press sends, as Discord builds it.
 */
import type { Snowflake } from 'discord-api-types/globals';
import { ComponentType, InteractionType } from 'discord-api-types/v10';
import type { APIMessageComponentGuildInteraction, APIMessageTopLevelComponent } from 'discord-api-types/v10';
import { DiscordApiError } from './errors.js';
import { guildInteractionFields, interactionIdentity } from './interactionEnvelope.js';
import type { FakeWorld, MessageRecord } from './world.js';

interface ButtonLike {
  type: number;
  custom_id?: string;
  label?: string;
  disabled?: boolean;
}

/** Every button of a message's action rows, in order. */
export function buttonsOf(components: readonly APIMessageTopLevelComponent[] | undefined): ButtonLike[] {
  return (components ?? []).flatMap((row) =>
    row.type === ComponentType.ActionRow
      ? (row.components as readonly ButtonLike[]).filter((c) => c.type === ComponentType.Button)
      : [],
  );
}

/** Discord rejects a message whose components repeat a custom_id (400 / 50035 COMPONENT_CUSTOM_ID_DUPLICATED). */
export function checkComponents(components: readonly APIMessageTopLevelComponent[]): void {
  const seen = new Set<string>();
  for (const button of buttonsOf(components)) {
    if (button.custom_id === undefined) continue;
    if (seen.has(button.custom_id)) {
      throw new DiscordApiError(400, {
        code: 50035,
        message: 'Invalid Form Body',
        errors: {
          components: {
            _errors: [{ code: 'COMPONENT_CUSTOM_ID_DUPLICATED', message: 'Component custom id cannot be duplicated' }],
          },
        },
      });
    }
    seen.add(button.custom_id);
  }
}

/**
 * Components as Discord stores and returns them: every component gets a numeric `id` (unique in the message,
 * numbered in order from 1) when the sender gave none, as the response schemas require.
 */
export function withComponentIds(components: readonly APIMessageTopLevelComponent[]): APIMessageTopLevelComponent[] {
  let next = 1;
  const number = <T extends { id?: number }>(component: T): T => ({ ...component, id: component.id ?? next++ });
  return components.map((row) => {
    const numbered = number(row);
    if (row.type !== ComponentType.ActionRow) return numbered;
    return { ...numbered, components: row.components.map(number) } as APIMessageTopLevelComponent;
  });
}

export interface PressButtonInput {
  readonly messageId: Snowflake;
  /** Default: the message's only button. */
  readonly customId?: string;
  /** Default: the normal member. */
  readonly userId?: Snowflake;
  /**
   * A client that has not received the latest edit yet still shows (and can press) a button an earlier version of
   * the message had; with this set, any version's buttons may be pressed.
   */
  readonly stale?: boolean;
}

/** The custom_id being pressed; throws when the message shows no such (enabled) button: nobody could press it. */
export function pressedCustomId(message: MessageRecord, customId: string | undefined, stale = false): string {
  if (message.deletedAt !== null) throw new Error(`message ${message.id} is deleted: its buttons cannot be pressed`);
  const shown = stale ? message.versions.flatMap((v) => v.components) : message.current.components;
  const buttons = buttonsOf(shown).filter((b) => b.custom_id !== undefined && !b.disabled);
  const button =
    customId === undefined
      ? buttons.length === 1
        ? buttons[0]
        : undefined
      : buttons.find((b) => b.custom_id === customId);
  if (!button?.custom_id) {
    const ids = buttons.map((b) => b.custom_id).join(', ') || 'none';
    throw new Error(`message ${message.id} has no button ${customId ?? '(single)'} to press (shows: ${ids})`);
  }
  return button.custom_id;
}

/** INTERACTION_CREATE for a button press by `userId` on `message`. */
export function buttonPressPayload(
  world: FakeWorld,
  message: MessageRecord,
  customId: string,
  userId: Snowflake,
  now: number,
): APIMessageComponentGuildInteraction {
  const { id, token } = interactionIdentity(world, now);
  // Buttons are only pressed in guild threads here (DM components are not simulated).
  const guildId = world.guildIdOf(message);
  return {
    id,
    application_id: world.applicationId,
    type: InteractionType.MessageComponent,
    data: { custom_id: customId, component_type: ComponentType.Button },
    ...guildInteractionFields(world, { guildId, channelId: message.channelId, userId, token }),
    channel: world.apiChannel(message.channelId) as APIMessageComponentGuildInteraction['channel'],
    message: message.current,
  };
}
