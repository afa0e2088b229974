import { setTimeout as sleep } from 'node:timers/promises';
import { Events, type Client } from 'discord.js';
import { commands } from '../commands/index.js';
import type { Config } from './config/config.js';
import { ConversationService } from './conversation/conversationService.js';
import type { CatchUpReport } from './discord/catchUp.js';
import { createDiscordClient } from './discord/createClient.js';
import { turnControls } from './discord/components/turnControls.js';
import { wireEvents } from './discord/wireEvents.js';
import { openBudgets } from './coordination/budgets.js';
import { shardPlace } from './coordination/processShare.js';
import { createModelClient } from './llm/modelClient.js';
import type { Logger } from './log.js';
import { noopMetrics } from './ops/noopMetrics.js';
import { startOps } from './ops/startOps.js';
import { turnMetrics } from './ops/turnMetrics.js';
import { openStore, type KeyvStore } from './store/keyvStore.js';
import { acquireLease, LeaseHeldError, type LeaseLostError } from './store/lease.js';
import { warmUpTokenizer } from './tokens/tokenCounter.js';
import { startTools } from './tools/startTools.js';

const READY_TIMEOUT_MS = 30_000;
/** Past a dead holder's expiry, so the retry does not race the clock. */
const LEASE_SETTLE_MS = 250;

export interface RunningBot {
  client: Client<true>;
  service: ConversationService;
  store: KeyvStore;
  /** Catching up after downtime, started once the gateway was ready. */
  catchUp: Promise<CatchUpReport | undefined>;
  /** The ops server's base URL (/metrics, /healthz, /) when METRICS_PORT is set; the bound port when it is 0. */
  opsUrl: string | undefined;
  /** Stop taking turns, let running ones finish (bounded), disconnect, close the store. */
  stop(graceMs: number): Promise<void>;
}

export interface StartOptions {
  /**
   * Called once when the bot cannot go on: Discord rejected its token, or its lease was lost. `retryable` when a
   * restart may help (the lease only expired while the database was unreachable).
   */
  onFatal?: (reason: string, retryable: boolean) => void;
  /** The lease's name: one per deployment, or one per shard. */
  leaseName?: string;
}

/** Compose the bot from its parts and log in. Used by `npm start` and by the end-to-end tests. */
export async function startBot(config: Config, logger: Logger, options: StartOptions = {}): Promise<RunningBot> {
  warmUpTokenizer();
  const place = shardPlace();
  const store = await openStore(config.databaseUrl, { logger, activityScope: place && `shard:${place.ids.join(',')}` });
  const cleanups: Array<() => Promise<unknown> | unknown> = [() => store.close()];
  const cleanUp = async () => {
    for (const task of cleanups.reverse()) await Promise.resolve(task()).catch(() => undefined);
  };
  let fatal = false;
  const onFatal = (reason: string, retryable = false) => {
    if (fatal) return;
    fatal = true;
    logger.fatal({ reason }, 'the bot cannot continue');
    options.onFatal?.(reason, retryable);
  };
  try {
    // Before the gateway login: a second process on the same database must never answer the same messages.
    await takeLease(store, options.leaseName ?? 'bot', config.leaseTtlMs, onFatal);
    // prom-client, ioredis: loaded only when configured (RSS; B6).
    const metrics =
      config.metricsPort === undefined ? noopMetrics() : (await import('./ops/metrics.js')).createMetrics();
    const observer = turnMetrics(metrics);
    // REDIS_URL: the limiter, the write budget and per-user limits are shared by every process; else in-process.
    const budgets = await openBudgets(config, logger);
    cleanups.push(() => budgets.close());
    const { limiter, writeBudget: editBudget } = budgets;
    const model = createModelClient({
      config: config.openai,
      maxCompletionTokens: config.maxCompletionTokens,
      usage: store,
      limiter,
      logger,
    });
    const tools = await startTools(config.tools, logger);
    if (tools) cleanups.push(() => tools.close());
    const client = createDiscordClient(config.discord.apiBase, editBudget);
    cleanups.push(() => client.destroy());
    const service = new ConversationService({
      store,
      model,
      logger,
      editBudget,
      observer,
      ...(tools ? { tools } : {}),
      botUserId: () => client.user?.id ?? '0',
      ...(budgets.userLimit ? { userLimit: budgets.userLimit } : {}),
      settings: {
        ...config,
        model: config.openai.model,
        attachmentHostBase: config.discord.apiBase,
      },
    });
    const routes = { commands, buttons: [turnControls] };
    const catchUp = await wireEvents(client, { service, store, config, logger, metrics, routes, onFatal });
    await login(client, config.discord.token);
    const ops = await startOps({ config, metrics, client, store, limiter, liveStreams: observer.liveStreams, logger });
    if (ops) cleanups.push(() => ops.close());
    logger.info({ user: client.user?.tag, guilds: client.guilds.cache.size }, 'bot ready');

    let stopping: Promise<void> | undefined;
    const stop = (graceMs: number) =>
      (stopping ??= (async () => {
        const finished = await service.close(graceMs);
        if (!finished) logger.warn('stopped before every running turn finished; unfinished turns were not saved');
        await cleanUp();
      })());
    return {
      client: client as Client<true>,
      service,
      store,
      opsUrl: ops?.url,
      get catchUp() {
        return catchUp();
      },
      stop,
    };
  } catch (error) {
    await cleanUp();
    throw error;
  }
}

/**
 * A lease left by a crashed process expires within one ttl: wait that out once. A live holder keeps renewing it,
 * so the second try fails and the LeaseHeldError (one clear line) ends the start.
 */
async function takeLease(
  store: KeyvStore,
  name: string,
  ttlMs: number,
  onFatal: (reason: string, retryable: boolean) => void,
) {
  const options = { ttlMs, onLost: (error: LeaseLostError) => onFatal(error.message, !error.takenOver) };
  try {
    return await acquireLease(store, name, options);
  } catch (error) {
    if (!(error instanceof LeaseHeldError)) throw error;
    const waitMs = Math.min(ttlMs, Math.max(0, error.holder.expiresAt - Date.now())) + LEASE_SETTLE_MS;
    await sleep(waitMs);
    return acquireLease(store, name, options);
  }
}

/** Log in and wait for ready; the listener goes first, since ready can fire before login's promise resolves. */
async function login(client: Client, token: string): Promise<void> {
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('Discord did not become ready in time')), READY_TIMEOUT_MS);
    client.once(Events.ClientReady, () => {
      clearTimeout(timer);
      resolve();
    });
  });
  await client.login(token);
  await ready;
}
