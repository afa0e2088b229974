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

/** Notices about files people attach (images, text files): one per refused file, the message is still answered. */
export const attachmentStrings = {
  tooMany: (max: number, skipped: readonly string[]) =>
    `I read only the first ${max} attachments of a message, so I skipped ${quoteNames(skipped)}.`,
  tooBig: (name: string, maxBytes: number) =>
    `“${name}” is larger than the ${formatBytes(maxBytes)} I can download, so I skipped it.`,
  unsupportedType: (name: string, kind: string) => `I can't read ${kind} files, so I skipped “${name}”.`,
  tooLong: (name: string, chars: number, maxChars: number) =>
    `“${name}” has ${chars.toLocaleString('en-US')} characters; ` +
    `I can read files of up to ${maxChars.toLocaleString('en-US')}, so I skipped it.`,
  notText: (name: string) => `“${name}” looks like a text file but isn't readable text, so I skipped it.`,
  undecodableImage: (name: string) =>
    `I couldn't open the image “${name}” (it seems damaged or isn't really an image).`,
  imageTooLarge: (name: string, width: number, height: number, maxMegapixels: number) =>
    `The image “${name}” is ${width}×${height} pixels; ` +
    `I can open images of up to ${maxMegapixels} megapixels, so I skipped it.`,
  visionOff: (name: string) => `This model can't see images, so I skipped “${name}”.`,
  downloadFailed: (name: string) =>
    `I couldn't download “${name}” from Discord, so I skipped it. Please try again.`,
  downloadTimedOut: (name: string, seconds: number) =>
    `Downloading “${name}” took longer than ${seconds} s, so I skipped it.`,
  notFromDiscord: (name: string) => `“${name}” isn't stored on Discord, so I didn't download it.`,
} as const;

function quoteNames(names: readonly string[]): string {
  return names.map((n) => `“${n}”`).join(', ');
}

function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${Math.round((bytes / (1024 * 1024)) * 10) / 10} MB`;
  if (bytes >= 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${bytes} bytes`;
}

/** Text the model (not the user) reads in place of, or around, attached content. */
export const attachmentPromptText = {
  fileHeader: (name: string) => `Attached file “${name}”:`,
  fileFooter: (name: string) => `(end of “${name}”)`,
  imageNotShown: (name: string) => `[The user attached an image, “${name}”, which this model cannot see.]`,
  imageGone: (name: string) => `[The user attached an image, “${name}”, which is no longer available.]`,
} as const;
