import { RESTJSONErrorCodes } from 'discord-api-types/v10';
import type { SchemaIssue } from './specValidator.js';

/** Discord's error body: `{ code, message, errors? }`; `errors` nests field paths down to `_errors` lists. */
export interface DiscordErrorBody {
  code: number;
  message: string;
  errors?: DiscordFieldErrors;
}
/** The 429 body: `{ message, retry_after (seconds), global }` (plus `code: 0`, which the spec requires). */
export interface DiscordRateLimitBody extends DiscordErrorBody {
  retry_after: number;
  global: boolean;
}
export interface DiscordFieldError {
  code: string;
  message: string;
}
export interface DiscordFieldErrors {
  [field: string]: DiscordFieldErrors | DiscordFieldError[];
}

/** Thrown by the fake's domain code and turned into an HTTP error response by the REST layer. */
export class DiscordApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: DiscordErrorBody | DiscordRateLimitBody,
  ) {
    super(`${status} ${body.code}: ${body.message}`);
    this.name = 'DiscordApiError';
  }
}

const error = (status: number, code: number, message: string): DiscordApiError =>
  new DiscordApiError(status, { code, message });

/** One field error in Discord's nested shape: `{ content: { _errors: [{ code, message }] } }`. */
export function fieldErrors(
  entries: readonly { path: readonly string[]; code: string; message: string }[],
): DiscordFieldErrors {
  const root: DiscordFieldErrors = {};
  for (const entry of entries) {
    let node = root;
    for (const key of entry.path) {
      const next = node[key];
      if (next === undefined || Array.isArray(next)) {
        const created: DiscordFieldErrors = {};
        node[key] = created;
        node = created;
      } else {
        node = next;
      }
    }
    const list = node._errors;
    const item = { code: entry.code, message: entry.message };
    if (Array.isArray(list)) list.push(item);
    else node._errors = [item];
  }
  return root;
}

export function invalidFormBody(
  entries: readonly { path: readonly string[]; code: string; message: string }[],
): DiscordApiError {
  return new DiscordApiError(400, {
    code: RESTJSONErrorCodes.InvalidFormBodyOrContentType,
    message: 'Invalid Form Body',
    errors: fieldErrors(entries),
  });
}

/** Map schema issues to Discord's 50035 body the way Discord words its field errors. */
export function invalidFormBodyFromIssues(issues: readonly SchemaIssue[]): DiscordApiError {
  return invalidFormBody(
    issues.map((issue) => {
      const path = issue.pointer
        .split('/')
        .slice(1)
        .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
      return { path, ...discordWording(issue) };
    }),
  );
}

function discordWording(issue: SchemaIssue): { code: string; message: string } {
  const limit = issue.params.limit;
  switch (issue.rule) {
    case 'maxLength':
      return { code: 'BASE_TYPE_MAX_LENGTH', message: `Must be ${String(limit)} or fewer in length.` };
    case 'minLength':
      return { code: 'BASE_TYPE_MIN_LENGTH', message: `Must be ${String(limit)} or more in length.` };
    case 'maxItems':
      return { code: 'BASE_TYPE_MAX_LENGTH', message: `Must be ${String(limit)} or fewer in length.` };
    case 'required':
      return { code: 'BASE_TYPE_REQUIRED', message: 'This field is required' };
    case 'type':
      return { code: 'BASE_TYPE_BAD_TYPE', message: `Value must be of type ${String(issue.params.type)}.` };
    case 'enum':
    case 'const':
      return { code: 'BASE_TYPE_CHOICES', message: 'Value must be one of the allowed values.' };
    case 'maximum':
    case 'minimum':
      return { code: 'NUMBER_TYPE_MAX', message: `Value ${issue.message}.` };
    case 'format':
      return issue.params.format === 'snowflake'
        ? { code: 'NUMBER_TYPE_COERCE', message: 'Value is not snowflake.' }
        : { code: 'BASE_TYPE_BAD_FORMAT', message: `Value is not a valid ${String(issue.params.format)}.` };
    case 'pattern':
      return { code: 'BASE_TYPE_BAD_FORMAT', message: 'Value is not valid.' };
    default:
      return { code: 'BASE_TYPE_INVALID', message: issue.message };
  }
}

export function rateLimited(retryAfterMs: number, global: boolean): DiscordApiError {
  const body: DiscordRateLimitBody = {
    code: 0,
    message: 'You are being rate limited.',
    retry_after: Number((retryAfterMs / 1000).toFixed(3)),
    global,
  };
  return new DiscordApiError(429, body);
}

export const discordErrors = {
  unauthorized: () => error(401, 0, '401: Unauthorized'),
  notFound: () => error(404, 0, '404: Not Found'),
  methodNotAllowed: () => error(405, 0, '405: Method Not Allowed'),
  unknownChannel: () => error(404, RESTJSONErrorCodes.UnknownChannel, 'Unknown Channel'),
  unknownGuild: () => error(404, RESTJSONErrorCodes.UnknownGuild, 'Unknown Guild'),
  unknownMember: () => error(404, RESTJSONErrorCodes.UnknownMember, 'Unknown Member'),
  unknownMessage: () => error(404, RESTJSONErrorCodes.UnknownMessage, 'Unknown Message'),
  unknownUser: () => error(404, RESTJSONErrorCodes.UnknownUser, 'Unknown User'),
  unknownWebhook: () => error(404, RESTJSONErrorCodes.UnknownWebhook, 'Unknown Webhook'),
  unknownInteraction: () => error(404, RESTJSONErrorCodes.UnknownInteraction, 'Unknown interaction'),
  unknownApplication: () => error(404, RESTJSONErrorCodes.UnknownApplication, 'Unknown Application'),
  invalidWebhookToken: () => error(401, RESTJSONErrorCodes.InvalidWebhookToken, 'Invalid Webhook Token'),
  missingAccess: () => error(403, RESTJSONErrorCodes.MissingAccess, 'Missing Access'),
  missingPermissions: () => error(403, RESTJSONErrorCodes.MissingPermissions, 'Missing Permissions'),
  cannotEditOtherUsersMessage: () =>
    error(
      403,
      RESTJSONErrorCodes.CannotEditMessageAuthoredByAnotherUser,
      'Cannot edit a message authored by another user',
    ),
  cannotSendEmptyMessage: () => error(400, RESTJSONErrorCodes.CannotSendAnEmptyMessage, 'Cannot send an empty message'),
  cannotSendInNonText: () =>
    error(400, RESTJSONErrorCodes.CannotSendMessagesInNonTextChannel, 'Cannot send messages in a non-text channel'),
  threadArchived: () => error(400, RESTJSONErrorCodes.InvalidActionOnArchivedThread, 'Thread is archived'),
  threadLocked: () => error(403, RESTJSONErrorCodes.ThreadLocked, 'Thread is locked'),
  threadAlreadyCreated: () =>
    error(400, RESTJSONErrorCodes.ThreadAlreadyCreatedForMessage, 'A thread has already been created for this message'),
  alreadyAcknowledged: () =>
    error(400, RESTJSONErrorCodes.InteractionHasAlreadyBeenAcknowledged, 'Interaction has already been acknowledged.'),
  invalidJson: () =>
    error(400, RESTJSONErrorCodes.RequestBodyContainsInvalidJSON, 'The request body contains invalid JSON.'),
  contentTooLong: (max: number) =>
    invalidFormBody([
      { path: ['content'], code: 'BASE_TYPE_MAX_LENGTH', message: `Must be ${max} or fewer in length.` },
    ]),
  invalidThreadName: (max: number) =>
    invalidFormBody([
      { path: ['name'], code: 'BASE_TYPE_BAD_LENGTH', message: `Must be between 1 and ${max} in length.` },
    ]),
  embedsTooLarge: () =>
    invalidFormBody([
      { path: ['embeds'], code: 'MAX_EMBED_SIZE_EXCEEDED', message: 'Embed size exceeds maximum size of 6000' },
    ]),
  invalidCallbackType: (type: unknown) =>
    invalidFormBody([
      {
        path: ['type'],
        code: 'INTERACTION_RESPONSE_TYPE_INVALID',
        message: `Interaction response type ${String(type)} is not valid here.`,
      },
    ]),
} as const;
