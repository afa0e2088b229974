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
