/** The one place a thread record is created: the first turn of a conversation, or a turn that finds none. */
import type { ConversationStore, ThreadMeta } from '../store/types.js';
import type { TurnRequest } from './turn.js';

export async function threadRecordFor(
  store: ConversationStore,
  request: TurnRequest,
  now: number,
): Promise<ThreadMeta> {
  return (
    (await store.getThread(request.threadId)) ??
    (await store.createThread({
      threadId: request.threadId,
      guildId: request.guildId,
      channelId: request.channelId,
      creatorId: request.userId,
      createdAt: now,
    }))
  );
}
