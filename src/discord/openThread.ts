import type { AnyThreadChannel, Message } from 'discord.js';
import type { ConversationService } from '../conversation/conversationService.js';
import type { TurnOutcome, TurnRequest } from '../conversation/turn.js';
import type { Logger } from '../log.js';
import { titleAfterFirstAnswer } from './renameThread.js';
import { threadName } from './threadName.js';
import { threadSink } from './threadSink.js';

const THREAD_ARCHIVE_MINUTES = 1440;

export interface OpenThreadInput {
  /** The message the thread grows from: the user's mention, or `/chat`'s visible reply. */
  starter: Message;
  /** The admitted first turn, without the thread id (it is the new thread's). */
  request: Omit<TurnRequest, 'threadId'>;
}

/**
 * The one path that opens a conversation thread (mentions and `/chat`): create the thread from the starter message,
 * then queue the admitted first turn at once, so later messages in the new thread line up behind it.
 * Resolves with the turn (not awaited by the caller that must move on) or undefined when no thread could be made.
 */
export async function openConversationThread(
  service: ConversationService,
  logger: Logger,
  { starter, request }: OpenThreadInput,
): Promise<{ threadId: string; turn: Promise<TurnOutcome> } | undefined> {
  let thread: AnyThreadChannel;
  try {
    thread = await starter.startThread({
      name: threadName(request.content),
      autoArchiveDuration: THREAD_ARCHIVE_MINUTES,
    });
  } catch (error) {
    logger.warn({ err: error, channel: starter.channelId }, 'could not create a conversation thread');
    return undefined;
  }
  const turn = service.startConversation({ ...request, threadId: thread.id }, threadSink(thread));
  titleAfterFirstAnswer(service, logger, thread, turn);
  return { threadId: thread.id, turn };
}
