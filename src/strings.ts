/** Every plain-language sentence users see in Discord, in one place so wording stays consistent. */
import { formatBytes, formatWait, quoteNames } from './text/formatAmounts.js';

export const notices = {
  emptyMessage: 'Your message is empty — please type a question or attach a file.',
  inputTooLong: (length: number, max: number) =>
    `Your message is ${length.toLocaleString('en-US')} characters long; the limit is ${max.toLocaleString('en-US')}. Please shorten it and send it again.`,
  inputTooManyTokens: (tokens: number, room: number) =>
    `Your message is too long for the model (about ${tokens.toLocaleString('en-US')} tokens; there is room for ${Math.max(0, room).toLocaleString('en-US')}). Please shorten it.`,
  userRateLimited: (perMinute: number, retryAfterMs: number) =>
    `You're sending messages faster than I can answer (limit: ${perMinute} per minute). Please try again in ${formatWait(retryAfterMs)}.`,
  guildDailyCap: (cap: number, resetInMs: number) =>
    `This server has used its daily allowance of ${cap.toLocaleString('en-US')} tokens. It resets at midnight UTC (in ${formatWait(resetInMs)}).`,
  dmDailyCap: (cap: number, resetInMs: number) =>
    `You have used your daily allowance of ${cap.toLocaleString('en-US')} tokens in direct messages. It resets at midnight UTC (in ${formatWait(resetInMs)}).`,
  moderated: 'Your message was flagged by the moderation check, so I did not send it to the model.',
  shuttingDown: 'The bot is restarting. Please send your message again in a minute.',
  failed: 'Something went wrong while answering. Please try again.',
  waitingForCapacity: (position: number) =>
    `*Waiting for model capacity${position > 1 ? ` (${position} requests ahead)` : ''}…*`,
  notSaved: "I couldn't save that exchange to this thread's memory, so I may not remember it in my next answer.",
} as const;

/** What a failed model call tells the user (ModelError.userMessage). */
export const modelErrorStrings = {
  rateLimited: 'The model is busy right now — please try again in a minute.',
  quotaExhausted: "This server's OpenAI quota is used up — an admin needs to check billing.",
  unavailable: 'The model is unavailable right now — please try again in a few minutes.',
  timeout: 'The model took too long to answer — please try again.',
  interrupted: 'The answer was interrupted.',
  rejected: "The bot's model configuration was rejected — an admin needs to check it.",
  contextExceeded:
    "This conversation no longer fits in the model's context window, even with older messages left out. " +
    'Use `/reset` to start fresh, or send a shorter message.',
} as const;

/** What slash commands answer. */
export const commandStrings = {
  failed: 'Something went wrong with that command. Please try again.',
  manageGuildRequired: 'You need the **Manage Server** permission to do that.',
  chatOnlyInTextChannel: 'Use `/chat` in a server text channel.',
  cannotOpenThread:
    'I could not open a thread here. I need the **Create Public Threads** and **Send Messages in Threads** permissions.',
  chatEcho: (userName: string, quoted: string) => `**${userName}** asked:\n>>> ${quoted}`,
  resetOnlyInThread: 'Use `/reset` inside a conversation thread.',
  resetDone: 'History cleared. The next message in this thread starts a fresh conversation.',
  promptEmpty: 'The prompt is empty. Use `/system-prompt clear` to go back to the default.',
  promptTooLong: (length: number, max: number) =>
    `The prompt is ${length.toLocaleString('en-US')} characters long; the limit is ${max.toLocaleString('en-US')}.`,
  promptSet: 'System prompt updated. It applies from the next message in every thread of this server.',
  promptShow: (own: boolean, shown: string) =>
    `${own ? "This server's prompt" : 'Default prompt (this server has none)'}:\n>>> ${shown}`,
  promptCleared: 'System prompt cleared. Threads use the default prompt from the next message.',
  unknownSubcommand: 'Unknown subcommand.',
  usageTitle: '**Your usage**',
  usageServerTitle: '**This server**',
  usageToday: 'Today (UTC)',
  usageDays: (days: number) => `Last ${days} days`,
  usageLine: (label: string, prompt: string, completion: string, requests: string, cost: string) =>
    `${label}: ${prompt} prompt + ${completion} completion tokens, ${requests} requests, ≈ ${cost}`,
  usageFootnote: '-# Costs are estimates from token counts and list prices.',
} as const;

/** What an operator reads on the ops server: /healthz reasons and the status page's labels. */
export const opsStrings = {
  healthy: 'ok',
  gatewayDown: 'Discord gateway is not connected',
  storeDown: (timeoutMs: number) => `store did not answer within ${timeoutMs} ms`,
  notFound: 'not found',
  methodNotAllowed: 'method not allowed',
  statusUnavailable: 'status unavailable',
  pageTitle: 'Bot status',
  liveStreams: 'Live answers',
  queued: 'Waiting for the model',
  requestsHeadroom: 'Request headroom',
  tokensHeadroom: 'Token headroom',
  tokensChart: 'Tokens per day (last 30 days, UTC)',
  costChart: 'Estimated cost per day (USD)',
  busiest: 'Busiest servers (last 30 days)',
  guildColumn: 'Server id',
  tokensColumn: 'Tokens',
  noGuilds: 'No usage yet.',
  updated: 'Updated',
  loadFailed: 'Could not load the status; retrying.',
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
  downloadFailed: (name: string) => `I couldn't download “${name}” from Discord, so I skipped it. Please try again.`,
  downloadTimedOut: (name: string, seconds: number) =>
    `Downloading “${name}” took longer than ${seconds} s, so I skipped it.`,
  notFromDiscord: (name: string) => `“${name}” isn't stored on Discord, so I didn't download it.`,
} as const;

/** Text the model (not the user) reads in place of, or around, attached content. */
export const attachmentPromptText = {
  fileHeader: (name: string) => `Attached file “${name}”:`,
  fileFooter: (name: string) => `(end of “${name}”)`,
  imageNotShown: (name: string) => `[The user attached an image, “${name}”, which this model cannot see.]`,
  imageGone: (name: string) => `[The user attached an image, “${name}”, which is no longer available.]`,
} as const;

/** Tools (MCP): what the live message shows while the model uses a tool. */
export const toolStrings = {
  using: (tools: readonly string[]) => `*Using ${tools.map((t) => `\`${t}\``).join(', ')}…*`,
} as const;

/** What the renderer adds when an answer has to move on to a new message (src/render). */
export const renderStrings = {
  /** First line of a message that continues an answer whose previous message could no longer be edited. */
  continued: '*(continued here: the previous message could not be updated)*\n',
  lengthCut: '*(Answer cut short: it reached the length limit.)*',
  emptyAnswer: '*(The model returned an empty answer.)*',
  /** Discord refused the rest of an answer: said on the last message that still takes an edit. */
  undelivered: '*(This answer could not be posted in full.)*',
  /** Used when a caller passes an empty notice. */
  fallback: 'The answer could not be completed.',
} as const;

/** Server admins' controls: `/settings`, the per-member cap, the role gate and the admin part of `/usage`. */
export const settingsStrings = {
  memberDailyCap: (cap: number, resetInMs: number) =>
    `You have used your daily allowance of ${cap.toLocaleString('en-US')} tokens in this server. ` +
    `It resets at midnight UTC (in ${formatWait(resetInMs)}).`,
  roleRequired: (roleId: string) =>
    `Sorry — in this server only members with the <@&${roleId}> role can use the bot. ` +
    'A server admin can give you the role.',
  changed: (what: string, value: string) => `${what} is now ${value}. It applies from the next message.`,
  modelUnknown: (name: string, allowed: readonly string[]) =>
    `“${name}” isn't one of the models this bot offers. Pick one of: ${allowed.map((m) => `\`${m}\``).join(', ')}.`,
  amountNotWhole: 'The amount must be a whole number of tokens, 0 or more (0 means no cap).',
  amountAboveCeiling: (ceiling: number) =>
    `The bot's operator allows at most ${ceiling.toLocaleString('en-US')} tokens a day per server, ` +
    'so the amount must be between 0 and that.',
  notAForum: (channelId: string) => `<#${channelId}> isn't a forum channel. Pick a forum.`,
  showTitle: '**Settings of this server**',
  showLine: (label: string, value: string, fallback: string) => `• ${label}: ${value} (default: ${fallback})`,
  label: {
    model: 'Default model',
    dailyTokens: 'Daily tokens for the server',
    userDailyTokens: 'Daily tokens per member',
    role: 'Who may use the bot',
    forums: 'Forums answered',
    tools: 'Tools',
    systemPrompt: 'System prompt',
  },
  tokens: (n: number) => `${n.toLocaleString('en-US')} tokens`,
  noCap: 'no cap',
  operatorCeiling: (n: number) => `the operator's ${n.toLocaleString('en-US')} tokens`,
  everyone: 'everyone',
  roleMembers: (roleId: string) => `members with <@&${roleId}>`,
  noForums: 'none',
  allowed: 'allowed',
  off: 'off',
  promptOwn: "this server's own (see `/system-prompt show`)",
  promptDefault: "the operator's default",
  topTitle: (label: string) => `**Top members — ${label}**`,
  topLine: (rank: number, userId: string, tokens: string, cost: string) =>
    `${rank}. <@${userId}>: ${tokens} tokens, ≈ ${cost}`,
  topNone: 'No usage yet.',
} as const;

/** Catching up after downtime: the note that closes an answer a restart cut off. */
export const catchUpStrings = {
  interrupted: 'interrupted by a restart',
} as const;

/** Models: choice per thread, reasoning (round 2). */
export const modelStrings = {
  thinking: '*Thinking…*',
  thoughtWholeBudget:
    'The model used its whole answer budget thinking and wrote no answer. Try again, ask a narrower question, ' +
    'or ask an admin to raise MAX_COMPLETION_TOKENS.',
  onlyInThread: 'Use `/model` inside a conversation thread.',
  current: (model: string, allowed: readonly string[]) =>
    `This thread uses **${model}**.` +
    (allowed.length > 1 ? ` Available: ${allowed.map((m) => `\`${m}\``).join(', ')}.` : ''),
  unknown: (name: string, allowed: readonly string[]) =>
    `\`${name}\` is not one of the models this bot offers (${allowed.map((m) => `\`${m}\``).join(', ')}).`,
  notAllowed: 'Only the person who started this conversation or a member with **Manage Server** can switch its model.',
  switched: (model: string) => `This thread now uses **${model}**, from its next message.`,
  usageDetail: (cached: string, reasoning: string) => ` (${cached} cached prompt, ${reasoning} reasoning tokens)`,
} as const;

/** Direct messages (ALLOW_DMS). */
export const dmStrings = {
  off: "I don't answer direct messages here. Mention me in a server channel, or use `/chat` there.",
  resetDone: 'History cleared. Your next message here starts a fresh conversation.',
} as const;

/** Stop / Regenerate on an answer, and the notes edits, deletes and regenerations leave behind. */
export const controlStrings = {
  stopLabel: 'Stop',
  regenerateLabel: 'Regenerate',
  /** The renderer's notice on an answer stopped by its asker (shown as "*(stopped)*"). */
  stopped: 'stopped',
  /** Appended to the old answer's messages when a new one replaces it. */
  regeneratedBelow: '*(regenerated below)*',
  onlyAskerStops: 'Only the asker (or a moderator) can stop it.',
  onlyAskerRegenerates: 'Only the asker (or a moderator) can regenerate this answer.',
  alreadyFinished: 'That answer has already finished.',
  notLatest: 'Only the latest answer of this conversation can be regenerated.',
  unknownControl: 'This button no longer does anything.',
} as const;
