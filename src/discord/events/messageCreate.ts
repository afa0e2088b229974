import type { Message } from 'discord.js';
import type { ConversationService } from '../../conversation/conversationService.js';
import type { Logger } from '../../log.js';
import { KeyedQueue } from '../../util/keyedQueue.js';
import { RecentIds } from '../../util/recentIds.js';
import { DmNoticeLimit } from '../directMessages.js';
import type { MessageGate } from '../memberGate.js';
import { MessageRouter, type Surfaces } from './messageRouter.js';

export type { Surfaces } from './messageRouter.js';

/**
 * Routes gateway messages to conversations (SPEC: triggers). Deciding whether a message belongs to a conversation
 * needs a store read; a per-channel intake queue keeps messages of one thread in arrival order through that read.
 */
export interface MessageHandler {
  (message: Message): void;
  /**
   * Route messages the gateway did not deliver (catch-up after downtime) in the channel's intake order: messages
   * arriving live meanwhile wait behind them, and a message that arrives both ways is routed once. `load` gives
   * candidates oldest first; of the newest `keep`, those not already seen are routed. Resolves with how many were.
   */
  replay(channelId: string, load: () => Promise<Message[]>, keep: number): Promise<number>;
}

/** Message ids remembered for de-duplication (a gateway RESUME replay, or a catch-up fetch racing a live event). */
const SEEN_IDS = 5_000;

const NO_SURFACES: Surfaces = { forumEnabled: async () => false, allowDms: false };

export function createMessageHandler(
  service: ConversationService,
  logger: Logger,
  gate?: MessageGate,
  surfaces: Surfaces = NO_SURFACES,
): MessageHandler {
  const intake = new KeyedQueue();
  const router = new MessageRouter(service, logger, gate, surfaces, surfaces.dmNotices ?? new DmNoticeLimit());
  const seen = new RecentIds(SEEN_IDS);
  const fromHuman = (message: Message) => !(message.author.bot || message.system || message.webhookId);

  const handle = (message: Message): void => {
    if (!fromHuman(message) || !seen.firstSight(message.id)) return;
    void intake
      .run(message.channelId, () => router.route(message))
      .catch((error: unknown) => logger.error({ err: error, channel: message.channelId }, 'message handling failed'));
  };
  const replay = (channelId: string, load: () => Promise<Message[]>, keep: number): Promise<number> =>
    intake.run(channelId, async () => {
      const human = (await load()).filter(fromHuman);
      let routed = 0;
      for (const message of human.slice(Math.max(0, human.length - keep))) {
        if (!seen.firstSight(message.id)) continue;
        await router.route(message);
        routed++;
      }
      return routed;
    });
  return Object.assign(handle, { replay });
}
