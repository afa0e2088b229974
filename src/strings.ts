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

/** Store outcomes: the thread notice when an exchange could not be saved (by cause), and operator lines. */
export const storeStrings = {
  notSaved: {
    full:
      "I couldn't save that exchange: the bot's database is full, so I won't remember it in my next answer. " +
      'An admin needs to free disk space.',
    busy:
      "I couldn't save that exchange: the database was busy for too long, so I may not remember it in my next " +
      'answer. Please try again.',
    conflict:
      "I couldn't save that exchange because this thread was reset or changed while I was answering, so it is " +
      'not part of the history.',
    unavailable:
      "I couldn't save that exchange: the database is not reachable right now, so I may not remember it in my " +
      'next answer.',
  },
  /** One line for the operator when a second process starts on the same database. */
  leaseHeld: (lease: string, holder: string, expiresInMs: number) =>
    `another bot process is already running with this database (lease ${lease} held by ${holder}, ` +
    `expires in ${Math.ceil(expiresInMs / 1000)} s)`,
  leaseLost: (lease: string, reason: string) =>
    `this bot process lost its lease ${lease} (${reason}); stopping so two processes never answer the same message`,
} as const;
