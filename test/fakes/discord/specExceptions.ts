/**
 * Every place where the fake Discord deliberately departs from Discord's published OpenAPI description
 * (shared/specs/discord-openapi.json). Discord says to follow its docs where the two disagree, so each entry names
 * the spec's claim, what the docs (and the real API) say, and why we follow the docs.
 *
 * Entries with a `patch` are applied to the spec before any schema is compiled. Entries without one describe
 * behaviour implemented in code; that code refers to the entry by its `id` (see `specException()`), so removing an
 * entry here breaks the build instead of silently changing the oracle.
 */
export interface SpecSchemaPatch {
  /** JSON pointer into the OpenAPI document. */
  readonly pointer: string;
  /** New value at that pointer. */
  readonly value: unknown;
}

export interface SpecException {
  readonly id: SpecExceptionId;
  /** What the spec says. */
  readonly spec: string;
  /** What Discord's docs / the live API say (what the fake does). */
  readonly docs: string;
  readonly why: string;
  readonly patches?: readonly SpecSchemaPatch[];
}

export type SpecExceptionId =
  | 'message-content-max-2000'
  | 'percent-encoded-original'
  | 'snowflake-format'
  | 'nonce-format'
  | 'typing-204-no-json'
  | 'query-boolean-coercion'
  | 'field-error-code-string'
  | 'permissions-as-string'
  | 'cdn-on-fake-host';

/** A permission bit set: Discord documents it as a string and accepts the integer form too. */
const permissionBitSet = (schema: string, property: string): SpecSchemaPatch => ({
  pointer: `/components/schemas/${schema}/properties/${property}`,
  value: {
    anyOf: [{ type: 'string', pattern: '^[0-9]{1,20}$' }, { type: 'integer', minimum: 0 }, { type: 'null' }],
  },
});

const contentMax2000 = (schema: string): SpecSchemaPatch => ({
  pointer: `/components/schemas/${schema}/properties/content/maxLength`,
  value: 2000,
});

export const DISCORD_SPEC_EXCEPTIONS: readonly SpecException[] = [
  {
    id: 'message-content-max-2000',
    spec: 'MessageCreateRequest / MessageEditRequestPartial / BaseCreateMessageCreateRequest: content maxLength 4000',
    docs: 'Create/Edit Message: "content: Message contents (up to 2000 characters)"; bots get 400 / 50035 BASE_TYPE_MAX_LENGTH above 2000',
    why: 'The 4000 limit only applies to Nitro users; a bot message above 2000 characters is rejected by Discord.',
    patches: [
      contentMax2000('MessageCreateRequest'),
      contentMax2000('MessageEditRequestPartial'),
      contentMax2000('BaseCreateMessageCreateRequest'),
    ],
  },
  {
    id: 'percent-encoded-original',
    spec: 'path template /webhooks/{webhook_id}/{webhook_token}/messages/@original (literal "@")',
    docs: 'discord.js / @discordjs/rest send the segment URL-encoded as %40original; Discord accepts both',
    why: 'Path segments are percent-decoded before they are matched against the spec templates.',
  },
  {
    id: 'snowflake-format',
    spec: 'format "snowflake" (not a JSON Schema format) on SnowflakeType, pattern ^(0|[1-9][0-9]*)$',
    docs: 'Snowflakes are 64-bit unsigned integers serialised as strings',
    why: 'Registered as a custom ajv format: a decimal string that fits in 64 bits.',
  },
  {
    id: 'nonce-format',
    spec: 'format "nonce" (not a JSON Schema format) on message nonces',
    docs: 'nonce: integer or string up to 25 characters',
    why: 'Registered as a custom ajv format accepting any string; the maxLength 25 in the spec still applies.',
  },
  {
    id: 'typing-204-no-json',
    spec: 'POST /channels/{channel_id}/typing lists both 200 (TypingIndicatorResponse) and 204',
    docs: 'Trigger Typing Indicator: "Returns a 204 empty response on success"',
    why: 'The fake answers 204 with no body and no JSON content-type (a JSON content-type on a 204 breaks @discordjs/rest).',
  },
  {
    id: 'query-boolean-coercion',
    spec: 'query parameters typed boolean / integer',
    docs: 'Query strings carry text: booleans are sent as "true"/"false" (discord.js sends with_response=false), integers as digits',
    why: 'Query values are coerced from their string form before validation against the parameter schema.',
  },
  {
    id: 'field-error-code-string',
    spec: 'InnerErrors._errors[] items are Error objects with an integer "code"',
    docs: 'Error Messages example: "_errors": [{ "code": "BASE_TYPE_REQUIRED", "message": "This field is required" }] (string codes)',
    why: 'Field-level errors inside a 50035 body carry string codes such as BASE_TYPE_MAX_LENGTH; the top-level code stays an integer.',
    patches: [
      {
        pointer: '/components/schemas/InnerErrors/properties/_errors/items',
        value: {
          type: 'object',
          properties: { code: { type: 'string' }, message: { type: 'string' } },
          required: ['code', 'message'],
        },
      },
    ],
  },
  {
    id: 'permissions-as-string',
    spec: 'ApplicationCommand{Create,Update,Patch}Request.default_member_permissions: integer | null',
    docs: 'Application Command Object: default_member_permissions "?string — set of permissions represented as a bit set"; discord.js sends "32"',
    why: 'Permission bit sets are serialised as strings throughout the API (they exceed 2^53); Discord accepts the string form.',
    patches: [
      permissionBitSet('ApplicationCommandCreateRequest', 'default_member_permissions'),
      permissionBitSet('ApplicationCommandUpdateRequest', 'default_member_permissions'),
      permissionBitSet('ApplicationCommandPatchRequestPartial', 'default_member_permissions'),
    ],
  },
  {
    id: 'cdn-on-fake-host',
    spec: 'The spec describes only the REST API under https://discord.com/api; attachment downloads are not in it',
    docs: 'Attachment url/proxy_url point at cdn.discordapp.com / media.discordapp.net (/attachments/{channel}/{id}/{name}?ex&is&hm)',
    why:
      'One loopback port stands for all of Discord: the fake serves the CDN paths outside /api (proxy_url under /media), ' +
      'checks the signed ex/is/hm query itself, and validates each attachment object against MessageAttachmentResponse.',
  },
];

/** Look up an exception by id; code that implements a non-patch exception calls this so the link is checked. */
export function specException(id: SpecExceptionId): SpecException {
  const found = DISCORD_SPEC_EXCEPTIONS.find((exception) => exception.id === id);
  if (!found) throw new Error(`unknown spec exception ${id}`);
  return found;
}
