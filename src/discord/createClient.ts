import { Client, GatewayIntentBits, Partials } from 'discord.js';
import type { WriteBudget } from '../render/writeBudget.js';
import { budgetedMakeRequest } from './restBudget.js';
import { NO_MENTIONS } from './threadSink.js';

/**
 * The gateway client: only the intents the bot needs, pings off by default, tolerant of uncached threads. Every
 * REST request goes through the bot-wide budget; server errors are retried there with backoff, so discord.js's
 * own immediate retries are off.
 */
export function createDiscordClient(apiBase: string, budget: WriteBudget): Client {
  return new Client({
    // DirectMessages: answered with ALLOW_DMS, else told once a day that they are off.
    intents: [
      GatewayIntentBits.Guilds,
      GatewayIntentBits.GuildMessages,
      GatewayIntentBits.MessageContent,
      GatewayIntentBits.DirectMessages,
    ],
    // After a restart (or for archived threads, and DM channels always) a channel may not be cached; without these
    // partials discord.js would drop the message silently.
    partials: [Partials.Channel, Partials.Message],
    allowedMentions: NO_MENTIONS,
    rest: { api: apiBase, retries: 0, makeRequest: budgetedMakeRequest(budget) },
  });
}
