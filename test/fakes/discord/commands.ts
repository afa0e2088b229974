import type { Snowflake } from 'discord-api-types/globals';
import { ApplicationCommandType } from 'discord-api-types/v10';
import type {
  APIApplicationCommand,
  APIApplicationCommandOption,
  RESTPostAPIApplicationCommandsJSONBody,
} from 'discord-api-types/v10';
import type { SnowflakeGenerator } from './snowflake.js';

/** `'global'` or the guild id the commands were registered to. */
export type CommandScope = 'global' | Snowflake;

export interface CommandRegistration {
  readonly at: number;
  readonly scope: CommandScope;
  readonly method: 'PUT' | 'POST';
  /** The request body as sent. */
  readonly commands: readonly RESTPostAPIApplicationCommandsJSONBody[];
}

/** Slash command registrations (bulk overwrite and single create), as Discord keeps them. */
export class CommandRegistry {
  readonly registrations: CommandRegistration[] = [];
  private readonly byScope = new Map<CommandScope, Map<string, APIApplicationCommand>>();

  constructor(
    private readonly applicationId: Snowflake,
    private readonly ids: SnowflakeGenerator,
  ) {}

  list(scope: CommandScope): APIApplicationCommand[] {
    return [...(this.byScope.get(scope)?.values() ?? [])];
  }

  /** PUT: replace every command of the scope; ids are kept for names that already existed (like Discord). */
  overwrite(
    scope: CommandScope,
    commands: readonly RESTPostAPIApplicationCommandsJSONBody[],
    now: number = Date.now(),
  ): APIApplicationCommand[] {
    this.registrations.push({ at: now, scope, method: 'PUT', commands });
    const previous = this.byScope.get(scope) ?? new Map<string, APIApplicationCommand>();
    const next = new Map<string, APIApplicationCommand>();
    for (const body of commands) next.set(body.name, this.build(scope, body, previous.get(body.name)?.id, now));
    this.byScope.set(scope, next);
    return [...next.values()];
  }

  /** POST: create or update one command. */
  upsert(
    scope: CommandScope,
    body: RESTPostAPIApplicationCommandsJSONBody,
    now: number = Date.now(),
  ): APIApplicationCommand {
    this.registrations.push({ at: now, scope, method: 'POST', commands: [body] });
    const commands = this.byScope.get(scope) ?? new Map<string, APIApplicationCommand>();
    const command = this.build(scope, body, commands.get(body.name)?.id, now);
    commands.set(body.name, command);
    this.byScope.set(scope, commands);
    return command;
  }

  /** The command a slash invocation refers to: guild commands first, then global ones. */
  find(guildId: Snowflake, name: string): APIApplicationCommand | undefined {
    return this.byScope.get(guildId)?.get(name) ?? this.byScope.get('global')?.get(name);
  }

  /** A global command (the only kind offered in DMs). */
  findGlobal(name: string): APIApplicationCommand | undefined {
    return this.byScope.get('global')?.get(name);
  }

  private build(
    scope: CommandScope,
    body: RESTPostAPIApplicationCommandsJSONBody,
    id: Snowflake | undefined,
    now: number,
  ): APIApplicationCommand {
    const options = 'options' in body && body.options ? (body.options as APIApplicationCommandOption[]) : undefined;
    return {
      id: id ?? this.ids.next(now),
      application_id: this.applicationId,
      version: this.ids.next(now),
      type: body.type ?? ApplicationCommandType.ChatInput,
      name: body.name,
      name_localizations: body.name_localizations ?? null,
      description: 'description' in body && typeof body.description === 'string' ? body.description : '',
      description_localizations: 'description_localizations' in body ? (body.description_localizations ?? null) : null,
      default_member_permissions: body.default_member_permissions ?? null,
      nsfw: body.nsfw ?? false,
      ...(options ? { options } : {}),
      ...(body.contexts ? { contexts: body.contexts } : {}),
      ...(body.integration_types ? { integration_types: body.integration_types } : {}),
      ...(scope === 'global' ? {} : { guild_id: scope }),
    };
  }
}
