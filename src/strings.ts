/** Every plain-language sentence users see in Discord, in one place so wording stays consistent. */

const formatWait = (ms: number): string => {
  const seconds = Math.max(1, Math.ceil(ms / 1000));
  if (seconds < 90) return `${seconds} s`;
  const minutes = Math.ceil(seconds / 60);
  if (minutes < 90) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  return `${hours} h ${minutes % 60} min`;
};

export const notices = {
  emptyMessage: 'I can only read text — please type your message (attachments alone are not supported).',
  inputTooLong: (length: number, max: number) =>
    `Your message is ${length.toLocaleString('en-US')} characters long; the limit is ${max.toLocaleString('en-US')}. Please shorten it and send it again.`,
  inputTooManyTokens: (tokens: number, room: number) =>
    `Your message is too long for the model (about ${tokens.toLocaleString('en-US')} tokens; there is room for ${Math.max(0, room).toLocaleString('en-US')}). Please shorten it.`,
  userRateLimited: (perMinute: number, retryAfterMs: number) =>
    `You're sending messages faster than I can answer (limit: ${perMinute} per minute). Please try again in ${formatWait(retryAfterMs)}.`,
  guildDailyCap: (cap: number, resetInMs: number) =>
    `This server has used its daily allowance of ${cap.toLocaleString('en-US')} tokens. It resets at midnight UTC (in ${formatWait(resetInMs)}).`,
  moderated: 'Your message was flagged by the moderation check, so I did not send it to the model.',
  shuttingDown: 'The bot is restarting. Please send your message again in a minute.',
  failed: 'Something went wrong while answering. Please try again.',
  waitingForCapacity: (position: number) =>
    `*Waiting for model capacity${position > 1 ? ` (${position} requests ahead)` : ''}…*`,
  notSaved: "I couldn't save that exchange to this thread's memory, so I may not remember it in my next answer.",
} as const;

/** Tools (MCP): what the live message shows while the model uses a tool. */
export const toolStrings = {
  using: (tools: readonly string[]) => `*Using ${tools.map((t) => `\`${t}\``).join(', ')}…*`,
} as const;
