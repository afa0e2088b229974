import { createHash } from 'node:crypto';

/**
 * OpenAI's `safety_identifier` (≤ 64 characters): a stable pseudonym for the end user so abuse can be traced to
 * one Discord user without ever sending their id. SHA-256 in hex is exactly 64 characters.
 */
export function safetyIdentifier(discordUserId: string): string {
  return createHash('sha256').update(discordUserId, 'utf8').digest('hex');
}
