/**
 * Titles on Discord: after the first answer in a thread the bot opened, rename it to the model's title unless
 * someone renamed it meanwhile. Runs beside the thread's queue (never delays the next answer); every failure is
 * logged and leaves the name as it was. Its REST requests are cosmetic: lowest priority in the bot-wide budget.
 */
import type { ThreadChannel } from 'discord.js';
import type { ConversationService } from '../conversation/conversationService.js';
import type { TurnOutcome } from '../conversation/turn.js';
import type { Logger } from '../log.js';
import { withRestPriority } from './restBudget.js';

export type RenameResult = 'renamed' | 'renamed-meanwhile' | 'archived';

/** Fetch the thread fresh; rename it only while it still has the name the bot gave it. */
export async function renameIfUnchanged(
  thread: ThreadChannel,
  givenName: string,
  title: string,
): Promise<RenameResult> {
  const fresh = await withRestPriority({ priority: 'spare' }, () => thread.fetch(true));
  if (fresh.name !== givenName) return 'renamed-meanwhile';
  // Renaming would not unarchive it, and a closed thread's name is what people found it by.
  if (fresh.archived) return 'archived';
  await withRestPriority({ priority: 'spare' }, () => fresh.setName(title));
  return 'renamed';
}

/** Once the first turn in a new thread is committed, title the thread (THREAD_TITLES decides in the service). */
export function titleAfterFirstAnswer(
  service: Pick<ConversationService, 'suggestTitle'>,
  logger: Logger,
  thread: ThreadChannel,
  turn: Promise<TurnOutcome>,
): void {
  const givenName = thread.name;
  void (async () => {
    const outcome = await turn;
    if (outcome !== 'completed' && outcome !== 'length') return;
    const title = await service.suggestTitle(thread.id);
    if (title === undefined || title === givenName) return;
    const result = await renameIfUnchanged(thread, givenName, title);
    logger.info({ thread: thread.id, result }, 'thread title');
  })().catch((error: unknown) => logger.warn({ err: error, thread: thread.id }, 'thread title not set'));
}
