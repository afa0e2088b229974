/**
 * MESSAGE_DELETE: whoever deleted it, a message that carried a turn takes its exchange out of history, so what the
 * model is sent matches what the thread shows. Deleting the bot's own answer forgets nothing. The event carries
 * only ids, which is all this needs (no cache, no fetch).
 */
import type { Message, PartialMessage } from 'discord.js';
import type { ConversationService } from '../../conversation/conversationService.js';
import type { Logger } from '../../log.js';

export function createMessageDeleteHandler(service: ConversationService, logger: Logger) {
  return (message: Message | PartialMessage): void => {
    // A deleted thread starter lives in the channel; its thread has the message's id.
    void service
      .messageDeleted(message.channelId, message.id)
      .then((forgot) => forgot || message.channelId === message.id || service.messageDeleted(message.id, message.id))
      .catch((error: unknown) =>
        logger.error({ err: error, channel: message.channelId }, 'message delete handling failed'),
      );
  };
}
