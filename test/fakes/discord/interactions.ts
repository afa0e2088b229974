/**
 * Slash command interactions: building INTERACTION_CREATE payloads for a simulated member, and Discord's side of
 * the response protocol (callback within 3 s, then 15 minutes of webhook calls on the token for @original and
 * follow-ups).
 */
import type { Snowflake } from 'discord-api-types/globals';
import {
  ApplicationCommandOptionType,
  ApplicationCommandType,
  GatewayDispatchEvents,
  GatewayOpcodes,
  InteractionResponseType,
  InteractionType,
  MessageFlags,
  MessageType,
} from 'discord-api-types/v10';
import type {
  APIApplicationCommandInteractionDataBasicOption,
  APIApplicationCommandInteractionDataOption,
  APIApplicationCommandOption,
  APIApplicationCommandOptionChoice,
  APIAttachment,
  APIChatInputApplicationCommandDMInteraction,
  APIChatInputApplicationCommandGuildInteraction,
  APIInteractionDataResolved,
  APIInteractionResponse,
  APIInteractionResponseCallbackData,
  APIMessage,
  APIMessageComponentGuildInteraction,
  GatewayInteractionCreateDispatch,
  RESTPatchAPIWebhookWithTokenMessageJSONBody,
  RESTPostAPIInteractionCallbackWithResponseResult,
  RESTPostAPIWebhookWithTokenJSONBody,
} from 'discord-api-types/v10';
import type { CommandRegistry } from './commands.js';
import { dmCommandPayload } from './dmInteractions.js';
import { buttonPressPayload, pressedCustomId, type PressButtonInput } from './components.js';
import { discordErrors } from './errors.js';
import { guildInteractionFields, interactionIdentity } from './interactionEnvelope.js';
import type { Dispatcher } from './gatewayTypes.js';
import type { FakeWorld, MessageRecord } from './world.js';

export type SlashOptionValue = string | number | boolean;

export interface RunSlashCommandInput {
  readonly name: string;
  /** Option values by name (types are taken from the registered command, else inferred), or raw options. */
  readonly options?:
    | Readonly<Record<string, SlashOptionValue>>
    | readonly APIApplicationCommandInteractionDataBasicOption[];
  readonly subcommand?: string;
  readonly subcommandGroup?: string;
  /** Default: the first guild's #general. May be a thread. */
  readonly channelId?: Snowflake;
  /** Invoke as the admin user (Manage Server through the Admin role). Ignored when `userId` is given. */
  readonly asAdmin?: boolean;
  /** Invoke as this user (must be a guild member). Default: the normal member. */
  readonly userId?: Snowflake;
  /**
   * Send an autocomplete interaction (type 4) instead: the user is typing this option (its value is the partial
   * text); the bot answers with choices (callback type 8), read from the handle's `choices`.
   */
  readonly focused?: string;
}

export interface InteractionCall {
  readonly at: number;
  readonly kind:
    | 'callback'
    | 'get-original'
    | 'edit-original'
    | 'delete-original'
    | 'follow-up'
    | 'get-follow-up'
    | 'edit-follow-up'
    | 'delete-follow-up';
  readonly responseType?: InteractionResponseType;
  readonly body: unknown;
}

export interface InteractionRecord {
  readonly id: Snowflake;
  readonly token: string;
  readonly commandName: string;
  readonly channelId: Snowflake;
  /** Null for a command run in the bot's DM. */
  readonly guildId: Snowflake | null;
  readonly userId: Snowflake;
  readonly createdAt: number;
  readonly payload:
    | APIChatInputApplicationCommandGuildInteraction
    | APIChatInputApplicationCommandDMInteraction
    | APIMessageComponentGuildInteraction;
  /** A button press: the message the button is on (@original of a deferred or immediate update). */
  readonly componentMessageId?: Snowflake;
  /** The first (and only) callback. */
  response: { readonly type: InteractionResponseType; readonly at: number; readonly ephemeral: boolean } | null;
  originalMessageId: Snowflake | null;
  readonly followUpIds: Snowflake[];
  readonly calls: InteractionCall[];
  lastActivityAt: number;
  /** An autocomplete interaction's answer (callback type 8). */
  choices?: readonly APIApplicationCommandOptionChoice[];
}

export interface InteractionTimings {
  /** Discord's 3 s window for the first response. */
  readonly responseDeadlineMs: number;
  /** The token lives 15 minutes. */
  readonly tokenLifetimeMs: number;
}

export class InteractionStore {
  readonly byId = new Map<Snowflake, InteractionRecord>();
  private readonly byToken = new Map<string, InteractionRecord>();

  constructor(
    private readonly world: FakeWorld,
    private readonly commands: CommandRegistry,
    private readonly dispatcher: Dispatcher,
    private readonly timings: InteractionTimings,
    /** Attachments uploaded to the fake's CDN, for attachment options (resolved.attachments). */
    private readonly attachmentById: (id: Snowflake) => APIAttachment | undefined = () => undefined,
  ) {}

  // -------------------------------------------------------------------------------------------------------------
  // Creating interactions (the test acts as a Discord user)

  create(input: RunSlashCommandInput, now: number = Date.now()): InteractionRecord {
    const world = this.world;
    const channelId = input.channelId ?? world.firstGuild.textChannelId;
    const channel = world.channel(channelId);
    const userId = input.userId ?? (input.asAdmin ? world.adminUser.id : world.memberUser.id);
    if (channel.guildId === null) {
      const dm = dmCommandPayload(world, this.commands, { ...input, userId }, channel, now);
      return this.register(dm.payload, { commandName: input.name, channelId, guildId: null, userId, now });
    }
    const guildId = channel.guildId;
    const registered = this.commands.find(guildId, input.name);
    const resolved: APIInteractionDataResolved = {};
    const leafDefinitions = leafOptionDefinitions(registered?.options, input.subcommandGroup, input.subcommand);
    const leafOptions = Array.isArray(input.options)
      ? [...(input.options as readonly APIApplicationCommandInteractionDataBasicOption[])]
      : Object.entries((input.options ?? {}) as Record<string, SlashOptionValue>).map(([name, value]) =>
          this.buildOption(guildId, name, value, leafDefinitions, resolved),
        );
    if (input.focused !== undefined) markFocused(leafOptions, input.focused);
    let options: APIApplicationCommandInteractionDataOption[] = leafOptions;
    if (input.subcommand) {
      const subcommand = {
        type: ApplicationCommandOptionType.Subcommand as const,
        name: input.subcommand,
        options: leafOptions,
      };
      options = input.subcommandGroup
        ? [{ type: ApplicationCommandOptionType.SubcommandGroup, name: input.subcommandGroup, options: [subcommand] }]
        : [subcommand];
    }
    const { id, token } = interactionIdentity(world, now);
    const payload: APIChatInputApplicationCommandGuildInteraction = {
      id,
      application_id: world.applicationId,
      // An autocomplete payload has the same shape apart from its type and the focused option.
      type: (input.focused !== undefined
        ? InteractionType.ApplicationCommandAutocomplete
        : InteractionType.ApplicationCommand) as InteractionType.ApplicationCommand,
      data: {
        id: registered?.id ?? world.ids.next(now),
        name: input.name,
        type: ApplicationCommandType.ChatInput,
        ...(options.length > 0 ? { options } : {}),
        ...(Object.keys(resolved).length > 0 ? { resolved } : {}),
        ...(registered?.guild_id ? { guild_id: registered.guild_id } : {}),
      },
      ...guildInteractionFields(world, { guildId, channelId, userId, token }),
    };
    return this.register(payload, { commandName: input.name, channelId, guildId, userId, now });
  }

  /** Keep the interaction for its response protocol and dispatch it (INTERACTION_CREATE). */
  private register(
    payload: InteractionRecord['payload'],
    at: Pick<InteractionRecord, 'commandName' | 'channelId' | 'guildId' | 'userId'> & { now: number },
  ): InteractionRecord {
    const { now, ...where } = at;
    const { id, token } = payload;
    const record: InteractionRecord = {
      id,
      token,
      ...where,
      createdAt: now,
      payload,
      response: null,
      originalMessageId: null,
      followUpIds: [],
      calls: [],
      lastActivityAt: now,
    };
    this.byId.set(id, record);
    this.byToken.set(token, record);
    const dispatch: Omit<GatewayInteractionCreateDispatch, 's'> = {
      op: GatewayOpcodes.Dispatch,
      t: GatewayDispatchEvents.InteractionCreate,
      d: payload,
    };
    this.dispatcher.dispatch(dispatch);
    return record;
  }

  /** A member presses a button on a message (INTERACTION_CREATE type 3). */
  press(input: PressButtonInput, now: number = Date.now()): InteractionRecord {
    const message = this.world.messages.get(input.messageId);
    if (!message) throw new Error(`no message ${input.messageId}`);
    const customId = pressedCustomId(message, input.customId, input.stale);
    const userId = input.userId ?? this.world.memberUser.id;
    const payload = buttonPressPayload(this.world, message, customId, userId, now);
    const record: InteractionRecord = {
      id: payload.id,
      token: payload.token,
      commandName: customId,
      channelId: message.channelId,
      guildId: message.guildId,
      userId,
      createdAt: now,
      payload,
      componentMessageId: message.id,
      response: null,
      originalMessageId: null,
      followUpIds: [],
      calls: [],
      lastActivityAt: now,
    };
    this.byId.set(record.id, record);
    this.byToken.set(record.token, record);
    this.dispatcher.dispatch({ op: GatewayOpcodes.Dispatch, t: GatewayDispatchEvents.InteractionCreate, d: payload });
    return record;
  }

  /** Types 6 (deferred update) and 7 (update the message) answer only a component press. */
  private componentUpdate(
    record: InteractionRecord,
    body: APIInteractionResponse,
    now: number,
  ): MessageRecord | undefined {
    const messageId = record.componentMessageId;
    const update =
      body.type === InteractionResponseType.DeferredMessageUpdate ||
      body.type === InteractionResponseType.UpdateMessage;
    if (!update) return undefined;
    if (messageId === undefined) throw discordErrors.invalidCallbackType(body.type);
    record.originalMessageId = messageId;
    const message = this.world.messages.get(messageId);
    if (!message || message.deletedAt !== null) throw discordErrors.unknownMessage();
    if (body.type === InteractionResponseType.UpdateMessage) this.edit(message, body.data ?? {}, now);
    return message;
  }

  private buildOption(
    guildId: Snowflake,
    name: string,
    value: SlashOptionValue,
    definitions: readonly APIApplicationCommandOption[] | undefined,
    resolved: APIInteractionDataResolved,
  ): APIApplicationCommandInteractionDataBasicOption {
    const declared = definitions?.find((d) => d.name === name)?.type;
    const type = declared ?? inferOptionType(value);
    const world = this.world;
    switch (type) {
      case ApplicationCommandOptionType.Integer:
        return { name, type, value: Number(value) };
      case ApplicationCommandOptionType.Number:
        return { name, type, value: Number(value) };
      case ApplicationCommandOptionType.Boolean:
        return { name, type, value: value === true || value === 'true' };
      case ApplicationCommandOptionType.User: {
        const id = String(value);
        resolved.users = { ...resolved.users, [id]: world.apiUser(id) };
        const { user: _user, ...member } = world.apiMember(guildId, id);
        resolved.members = {
          ...resolved.members,
          [id]: { ...member, permissions: world.permissions(guildId, id).toString() },
        };
        return { name, type, value: id };
      }
      case ApplicationCommandOptionType.Channel: {
        const id = String(value);
        const channel = world.channel(id);
        const entry = {
          id,
          type: channel.type,
          name: channel.name,
          permissions: world.permissions(guildId, world.bot.id).toString(),
        };
        resolved.channels = {
          ...resolved.channels,
          [id]: entry as NonNullable<APIInteractionDataResolved['channels']>[string],
        };
        return { name, type, value: id };
      }
      case ApplicationCommandOptionType.Attachment: {
        const id = String(value);
        const attachment = this.attachmentById(id);
        if (!attachment)
          throw new Error(`option ${name}: no uploaded attachment ${id} (use fake.uploadAttachment first)`);
        resolved.attachments = { ...resolved.attachments, [id]: attachment };
        return { name, type, value: id };
      }
      case ApplicationCommandOptionType.Role: {
        const id = String(value);
        const role = world.roles.get(id);
        if (role) resolved.roles = { ...resolved.roles, [id]: world.apiRole(role) };
        return { name, type, value: id };
      }
      default:
        return { name, type: ApplicationCommandOptionType.String, value: String(value) };
    }
  }

  // -------------------------------------------------------------------------------------------------------------
  // Discord's side of the response protocol

  /** POST /interactions/{id}/{token}/callback */
  callback(
    interactionId: Snowflake,
    token: string,
    body: APIInteractionResponse,
    withResponse: boolean,
    now: number = Date.now(),
  ): { status: 200; body: RESTPostAPIInteractionCallbackWithResponseResult } | { status: 204 } {
    const record = this.byId.get(interactionId);
    if (!record || record.token !== token) throw discordErrors.unknownInteraction();
    if (record.response) throw discordErrors.alreadyAcknowledged();
    if (now - record.createdAt > this.timings.responseDeadlineMs) throw discordErrors.unknownInteraction();
    record.calls.push({ at: now, kind: 'callback', responseType: body.type, body });
    record.lastActivityAt = now;

    let message: MessageRecord | undefined = this.componentUpdate(record, body, now);
    const autocomplete = record.payload.type === (InteractionType.ApplicationCommandAutocomplete as number);
    if (autocomplete !== (body.type === InteractionResponseType.ApplicationCommandAutocompleteResult)) {
      throw discordErrors.invalidCallbackType(body.type);
    }
    switch (body.type) {
      case InteractionResponseType.DeferredMessageUpdate:
      case InteractionResponseType.UpdateMessage:
        break; // componentUpdate() did the work
      case InteractionResponseType.ApplicationCommandAutocompleteResult:
        // Only an autocomplete interaction takes choices; its data must list at most 25 of them.
        if ((record.payload.type as InteractionType) !== InteractionType.ApplicationCommandAutocomplete) {
          throw discordErrors.invalidCallbackType(body.type);
        }
        if ((body.data.choices?.length ?? 0) > 25) throw discordErrors.invalidCallbackType(body.type);
        record.choices = body.data.choices ?? [];
        break;
      case InteractionResponseType.ChannelMessageWithSource: {
        const data: APIInteractionResponseCallbackData = body.data;
        message = this.createResponseMessage(record, data, false, now);
        break;
      }
      case InteractionResponseType.DeferredChannelMessageWithSource: {
        message = this.createResponseMessage(
          record,
          body.data?.flags === undefined ? {} : { flags: body.data.flags },
          true,
          now,
        );
        break;
      }
      case InteractionResponseType.Modal:
        break;
      default:
        // Pong, autocomplete results, component updates and activities do not answer a slash command.
        throw discordErrors.invalidCallbackType(body.type);
    }
    record.response = { type: body.type, at: now, ephemeral: message?.ephemeral ?? false };
    if (message) record.originalMessageId = message.id;
    const type = record.componentMessageId ? InteractionType.MessageComponent : InteractionType.ApplicationCommand;
    if (!withResponse) return { status: 204 };
    return {
      status: 200,
      body: {
        interaction: {
          id: record.id,
          type,
          ...(message
            ? {
                response_message_id: message.id,
                response_message_loading: ((message.current.flags ?? 0) & MessageFlags.Loading) !== 0,
                response_message_ephemeral: message.ephemeral,
              }
            : {}),
        },
        ...(message ? { resource: { type: body.type, message: message.current } } : {}),
      },
    };
  }

  private createResponseMessage(
    record: InteractionRecord,
    data: APIInteractionResponseCallbackData,
    deferred: boolean,
    now: number,
  ): MessageRecord {
    const flags = (data.flags ?? 0) | (deferred ? MessageFlags.Loading : 0);
    return this.world.createMessage(
      {
        channelId: record.channelId,
        authorId: this.world.bot.id,
        source: 'interaction-response',
        content: data.content,
        embeds: data.embeds,
        components: data.components,
        flags,
        allowedMentions: data.allowed_mentions,
        tts: data.tts,
        interaction: { id: record.id, userId: record.userId, name: record.commandName },
        webhookId: this.world.applicationId,
        type: MessageType.ChatInputCommand,
        allowEmpty: deferred,
      },
      now,
    );
  }

  /** The interaction behind `/webhooks/{application_id}/{token}`. */
  forWebhook(webhookId: Snowflake, token: string, now: number = Date.now()): InteractionRecord {
    const record = this.byToken.get(token);
    if (!record || webhookId !== this.world.applicationId) throw discordErrors.unknownWebhook();
    if (now - record.createdAt > this.timings.tokenLifetimeMs) throw discordErrors.invalidWebhookToken();
    return record;
  }

  private original(record: InteractionRecord): MessageRecord {
    const message = record.originalMessageId ? this.world.messages.get(record.originalMessageId) : undefined;
    if (!message || message.deletedAt !== null) throw discordErrors.unknownMessage();
    return message;
  }

  private followUp(record: InteractionRecord, messageId: Snowflake): MessageRecord {
    const message = this.world.messages.get(messageId);
    const belongs = record.followUpIds.includes(messageId) || record.originalMessageId === messageId;
    if (!message || !belongs || message.deletedAt !== null) throw discordErrors.unknownMessage();
    return message;
  }

  getOriginal(record: InteractionRecord, now: number = Date.now()): APIMessage {
    record.calls.push({ at: now, kind: 'get-original', body: undefined });
    return this.original(record).current;
  }

  editOriginal(
    record: InteractionRecord,
    body: RESTPatchAPIWebhookWithTokenMessageJSONBody,
    now: number = Date.now(),
  ): APIMessage {
    record.calls.push({ at: now, kind: 'edit-original', body });
    record.lastActivityAt = now;
    return this.edit(this.original(record), body, now).current;
  }

  deleteOriginal(record: InteractionRecord, now: number = Date.now()): void {
    record.calls.push({ at: now, kind: 'delete-original', body: undefined });
    record.lastActivityAt = now;
    const message = this.original(record);
    this.world.deleteMessage(message, this.world.bot.id, now);
  }

  /** POST /webhooks/{application_id}/{token}: a follow-up (the first one after a defer fills the "thinking" message). */
  createFollowUp(
    record: InteractionRecord,
    body: RESTPostAPIWebhookWithTokenJSONBody,
    now: number = Date.now(),
  ): APIMessage {
    if (!record.response) throw discordErrors.unknownWebhook();
    record.calls.push({ at: now, kind: 'follow-up', body });
    record.lastActivityAt = now;
    const original = record.originalMessageId ? this.world.messages.get(record.originalMessageId) : undefined;
    if (original && original.deletedAt === null && ((original.current.flags ?? 0) & MessageFlags.Loading) !== 0) {
      return this.edit(original, body, now).current;
    }
    const message = this.world.createMessage(
      {
        channelId: record.channelId,
        authorId: this.world.bot.id,
        source: 'interaction-followup',
        content: body.content,
        embeds: body.embeds,
        components: body.components,
        flags: body.flags ?? 0,
        allowedMentions: body.allowed_mentions,
        tts: body.tts,
        interaction: { id: record.id, userId: record.userId, name: record.commandName },
        webhookId: this.world.applicationId,
        type: MessageType.ChatInputCommand,
      },
      now,
    );
    record.followUpIds.push(message.id);
    return message.current;
  }

  getFollowUp(record: InteractionRecord, messageId: Snowflake, now: number = Date.now()): APIMessage {
    record.calls.push({ at: now, kind: 'get-follow-up', body: undefined });
    return this.followUp(record, messageId).current;
  }

  editFollowUp(
    record: InteractionRecord,
    messageId: Snowflake,
    body: RESTPatchAPIWebhookWithTokenMessageJSONBody,
    now: number = Date.now(),
  ): APIMessage {
    record.calls.push({ at: now, kind: 'edit-follow-up', body });
    record.lastActivityAt = now;
    return this.edit(this.followUp(record, messageId), body, now).current;
  }

  deleteFollowUp(record: InteractionRecord, messageId: Snowflake, now: number = Date.now()): void {
    record.calls.push({ at: now, kind: 'delete-follow-up', body: undefined });
    record.lastActivityAt = now;
    this.world.deleteMessage(this.followUp(record, messageId), this.world.bot.id, now);
  }

  private edit(message: MessageRecord, body: RESTPatchAPIWebhookWithTokenMessageJSONBody, now: number): MessageRecord {
    return this.world.editMessage(
      message,
      {
        content: body.content,
        embeds: body.embeds,
        components: body.components,
        allowedMentions: body.allowed_mentions,
        flags: 'flags' in body ? (body as { flags?: number | null }).flags : undefined,
      },
      now,
    );
  }
}

/** The option being typed: `focused: true`, its value the partial text (always a string while typing). */
function markFocused(options: APIApplicationCommandInteractionDataBasicOption[], name: string): void {
  const index = options.findIndex((o) => o.name === name);
  if (index < 0) throw new Error(`focused option ${name} has no value (pass it in options)`);
  const option = options[index]!;
  options[index] = { ...option, type: ApplicationCommandOptionType.String, value: String(option.value), focused: true };
}

function inferOptionType(value: SlashOptionValue): ApplicationCommandOptionType {
  if (typeof value === 'boolean') return ApplicationCommandOptionType.Boolean;
  if (typeof value === 'number')
    return Number.isInteger(value) ? ApplicationCommandOptionType.Integer : ApplicationCommandOptionType.Number;
  return ApplicationCommandOptionType.String;
}

/** The option definitions that hold values for the invoked (sub)command. */
function leafOptionDefinitions(
  options: readonly APIApplicationCommandOption[] | undefined,
  group: string | undefined,
  subcommand: string | undefined,
): readonly APIApplicationCommandOption[] | undefined {
  let level = options;
  if (group) {
    const found = level?.find((o) => o.name === group && o.type === ApplicationCommandOptionType.SubcommandGroup);
    level = found && 'options' in found ? (found.options as APIApplicationCommandOption[] | undefined) : undefined;
  }
  if (subcommand) {
    const found = level?.find((o) => o.name === subcommand && o.type === ApplicationCommandOptionType.Subcommand);
    level = found && 'options' in found ? (found.options as APIApplicationCommandOption[] | undefined) : undefined;
  }
  return level;
}
