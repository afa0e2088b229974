import { Events, type Client } from 'discord.js';
import { commands } from '../commands/index.js';
import type { Config } from './config/config.js';
import { ConversationService } from './conversation/conversationService.js';
import { createDiscordClient } from './discord/createClient.js';
import { createInteractionHandler } from './discord/events/interactionCreate.js';
import { createMessageHandler } from './discord/events/messageCreate.js';
import { openCoordination } from './coordination/coordination.js';
import { processShare, shardPlace } from './coordination/processShare.js';
import { createModelClient } from './llm/modelClient.js';
import type { Logger } from './log.js';
import { EditBudget } from './render/editBudget.js';
import { openStore, type KeyvStore } from './store/keyvStore.js';
import { warmUpTokenizer } from './tokens/tokenCounter.js';

const READY_TIMEOUT_MS = 30_000;

export interface RunningBot {
  client: Client<true>;
  service: ConversationService;
  store: KeyvStore;
  /** Stop taking turns, let running ones finish (bounded), disconnect, close the store. */
  stop(graceMs: number): Promise<void>;
}

/** Compose the bot from its parts and log in. Used by `npm start` and by the end-to-end tests. */
export async function startBot(config: Config, logger: Logger): Promise<RunningBot> {
  warmUpTokenizer();
  const store = await openStore(config.databaseUrl, { onError: (error) => logger.error({ err: error }, 'store error') });
  // REDIS_URL: the limiter and per-user limits are shared by every process (coordination/); absent, in-process.
  const shared = config.redisUrl
    ? await openCoordination(config.redisUrl, config, processShare(shardPlace()), logger)
    : undefined;
  const model = createModelClient({
    config: config.openai,
    maxCompletionTokens: config.maxCompletionTokens,
    usage: store,
    logger,
    ...(shared ? { limiter: shared.limiter } : {}),
  });
  // Defaults to 40 writes/s: Discord allows ~50 per bot, the rest is headroom for commands and typing.
  const editBudget = new EditBudget();
  const client = createDiscordClient(config.discord.apiBase);
  const service = new ConversationService({
    store,
    model,
    logger,
    editBudget,
    botUserId: () => client.user?.id ?? '0',
    settings: { ...config, model: config.openai.model },
    ...(shared ? { userLimit: shared.userLimit } : {}),
  });

  client.on(Events.MessageCreate, createMessageHandler(service, logger));
  client.on(Events.InteractionCreate, createInteractionHandler({ commands }, { service, store, config, logger }));
  client.on(Events.Error, (error) => logger.error({ err: error }, 'discord client error'));
  client.rest.on('rateLimited', (info) => logger.debug({ route: info.route, retryAfter: info.retryAfter }, 'discord rate limited'));

  // Registered before login: ready can fire before login's promise resolves.
  const ready = new Promise<Client<true>>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('Discord did not become ready in time')), READY_TIMEOUT_MS);
    client.once(Events.ClientReady, (c) => {
      clearTimeout(timer);
      resolve(c);
    });
  });
  try {
    await client.login(config.discord.token);
    await ready;
  } catch (error) {
    await client.destroy().catch(() => undefined);
    editBudget.dispose();
    await model.close().catch(() => undefined);
    await shared?.close().catch(() => undefined);
    await store.close().catch(() => undefined);
    throw error;
  }
  logger.info({ user: client.user?.tag, guilds: client.guilds.cache.size }, 'bot ready');

  let stopping: Promise<void> | undefined;
  const stop = (graceMs: number) =>
    (stopping ??= (async () => {
      const finished = await service.close(graceMs);
      if (!finished) logger.warn('stopped before every running turn finished; unfinished turns were not saved');
      await client.destroy();
      editBudget.dispose();
      await model.close();
      await shared?.close();
      await store.close();
    })());
  return { client: client as Client<true>, service, store, stop };
}
