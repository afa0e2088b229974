import { Client, GatewayIntentBits, Options, Partials, type ClientOptions } from 'discord.js';
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
    ...boundedCaches,
  });
}

const HOUR_S = 3_600;
const isSelf = (item: { id: string; client: Client }) => item.id === item.client.user?.id;

/**
 * discord.js caches only what the bot reads back: guilds, roles and channels/threads (unbounded; threads archived
 * for 4 h are swept), the bot's own member and user. Messages are never read from the cache (edits go by id, catch-up
 * fetches over REST), so none are kept. A speaker's member must stay long enough for `message.member` (role gate,
 * display name) to resolve within the same event, so members and users are capped and swept hourly, not off.
 */
const boundedCaches: Pick<ClientOptions, 'makeCache' | 'sweepers'> = {
  makeCache: Options.cacheWithLimits({
    MessageManager: 0,
    GuildMemberManager: { maxSize: 200, keepOverLimit: isSelf },
    UserManager: { maxSize: 1_000, keepOverLimit: isSelf },
    ThreadMemberManager: { maxSize: 0, keepOverLimit: isSelf },
    PresenceManager: 0,
    ReactionManager: 0,
    ReactionUserManager: 0,
    VoiceStateManager: 0,
    GuildBanManager: 0,
    GuildInviteManager: 0,
    GuildStickerManager: 0,
    GuildEmojiManager: 0,
    BaseGuildEmojiManager: 0,
    GuildScheduledEventManager: 0,
    StageInstanceManager: 0,
    AutoModerationRuleManager: 0,
    ApplicationCommandManager: 0,
    EntitlementManager: 0,
  }),
  sweepers: {
    ...Options.DefaultSweeperSettings,
    guildMembers: { interval: HOUR_S, filter: () => (member) => !isSelf(member) },
    users: { interval: HOUR_S, filter: () => (user) => !isSelf(user) },
  },
};
