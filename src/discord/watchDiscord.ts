import { Events, RESTEvents, type Client } from 'discord.js';
import type { Logger } from '../log.js';
import type { BotMetrics } from '../ops/metrics.js';

/** Gateway close code for a token Discord no longer accepts. */
const AUTHENTICATION_FAILED = 4004;
/** Webhook and interaction routes answer 401 for their own tokens, which says nothing about the bot token. */
const OWN_TOKEN_ROUTE = /^\/(webhooks|interactions)\//;

/**
 * Discord's REST and gateway events the operator must see: request and rate-limit counts for the metrics, and a
 * revoked token (any REST 401 on a bot route, gateway close 4004), after which the bot would only run mute.
 */
export function watchDiscord(client: Client, metrics: BotMetrics, logger: Logger, onFatal: (reason: string) => void) {
  client.rest.on(RESTEvents.Response, (request, response) => {
    metrics.discordRequest(request.method.toLowerCase());
    if (response.status === 401 && !OWN_TOKEN_ROUTE.test(request.path)) {
      onFatal(`Discord rejected the bot token (HTTP 401 on ${request.method} ${request.route}): check DISCORD_TOKEN`);
    }
  });
  client.rest.on(RESTEvents.RateLimited, (info) => {
    metrics.discordRateLimited(info.scope);
    logger.debug({ route: info.route, retryAfter: info.retryAfter, scope: info.scope }, 'discord rate limited');
  });
  client.on(Events.ShardDisconnect, (event) => {
    if (event.code === AUTHENTICATION_FAILED) onFatal('Discord closed the gateway with 4004: check DISCORD_TOKEN');
  });
  client.on(Events.Invalidated, () => onFatal('Discord invalidated the gateway session: check DISCORD_TOKEN'));
  client.on(Events.Error, (error) => logger.error({ err: error }, 'discord client error'));
}
