/**
 * The bot's Discord listeners: messages (new, edited, deleted), interactions (commands, autocomplete, buttons), the
 * gateway watch, and catching up after downtime, queued from the ready listener itself so that missed messages line
 * up ahead of live ones (SPEC: catching up).
 */
import { Events, type Client } from 'discord.js';
import { isForumEnabled } from '../conversation/guildSettings.js';
import type { BotMetrics } from '../ops/metrics.js';
import type { Store } from '../store/types.js';
import { loadCatchUpPlan, runCatchUp, type CatchUpReport } from './catchUp.js';
import type { CommandContext } from './command.js';
import { createInteractionHandler, type InteractionRoutes } from './events/interactionCreate.js';
import { createMessageHandler } from './events/messageCreate.js';
import { createMessageDeleteHandler } from './events/messageDelete.js';
import { createMessageUpdateHandler } from './events/messageUpdate.js';
import { MessageGate } from './memberGate.js';
import { watchDiscord } from './watchDiscord.js';

export interface EventParts extends CommandContext {
  store: Store;
  metrics: BotMetrics;
  routes: InteractionRoutes;
  /** Called once when the bot cannot go on (Discord rejected its token). */
  onFatal: (reason: string) => void;
}

/** Attach every listener before login; resolves with a reader of the catch-up started once the gateway is ready. */
export async function wireEvents(client: Client, parts: EventParts): Promise<() => Promise<CatchUpReport | undefined>> {
  const { service, store, config, logger } = parts;
  const messages = createMessageHandler(service, logger, new MessageGate(store), {
    forumEnabled: async (guildId, forumId) => isForumEnabled(await store.getGuildSettings(guildId), forumId),
    allowDms: config.allowDms,
  });
  client.on(Events.MessageCreate, messages);
  client.on(Events.MessageUpdate, createMessageUpdateHandler(service, logger));
  client.on(Events.MessageDelete, createMessageDeleteHandler(service, logger));
  client.on(Events.InteractionCreate, createInteractionHandler(parts.routes, { service, store, config, logger }));
  watchDiscord(client, parts.metrics, logger, parts.onFatal);

  const settings = { windowMs: config.catchUpMinutes * 60_000 };
  const plan = await loadCatchUpPlan(store, settings).catch((error: unknown) => {
    logger.warn({ err: error }, 'catch-up skipped: activity not readable');
    return [];
  });
  let catchUp: Promise<CatchUpReport | undefined> = Promise.resolve(undefined);
  client.once(Events.ClientReady, (ready) => {
    catchUp = runCatchUp({ client: ready, store, messages, logger }, plan, settings);
  });
  return () => catchUp;
}
