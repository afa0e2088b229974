import { Client, GatewayIntentBits, Partials } from 'discord.js';
import { NO_MENTIONS } from './threadSink.js';

/** The gateway client: only the intents the bot needs, pings off by default, tolerant of uncached threads. */
export function createDiscordClient(apiBase: string): Client {
  return new Client({
    intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages, GatewayIntentBits.MessageContent],
    // After a restart (or for archived threads) a channel may not be cached; without these partials discord.js
    // would drop the message silently.
    partials: [Partials.Channel, Partials.Message],
    allowedMentions: NO_MENTIONS,
    rest: { api: apiBase },
  });
}
