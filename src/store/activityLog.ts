import type { KeyedQueue } from '../util/keyedQueue.js';
import {
  emptyIndex,
  recentEntries,
  withAnswerMessage,
  withInflightEnded,
  withTurnStarted,
  type ActivityIndex,
} from './activityRecords.js';
import type { RecordIo } from './records.js';
import { storeKeys } from './storeKeys.js';
import type { ThreadActivity } from './types.js';

/** Reads and updates the activity index (activityRecords.ts holds the arithmetic). */
export class ActivityLog {
  private readonly key: string;

  constructor(
    private readonly io: RecordIo,
    private readonly writes: KeyedQueue,
    scope?: string,
  ) {
    this.key = storeKeys.activity(scope);
  }

  noteTurnStarted(threadId: string, messageId: string | undefined, at: number): Promise<void> {
    return this.update((index) => withTurnStarted(index, threadId, messageId, at));
  }

  noteAnswerMessage(threadId: string, startedAt: number, messageId: string): Promise<void> {
    return this.update((index) => withAnswerMessage(index, threadId, startedAt, messageId));
  }

  endInflight(threadId: string, startedAt: number): Promise<void> {
    return this.update((index) => withInflightEnded(index, threadId, startedAt));
  }

  async recentActivity(since: number, limit: number): Promise<ThreadActivity[]> {
    return recentEntries((await this.io.get<ActivityIndex>(this.key)) ?? emptyIndex(), since, limit);
  }

  /** Read-modify-write of the index in its key's queue; `change` returns undefined for "no change". */
  private update(change: (index: ActivityIndex) => ActivityIndex | undefined): Promise<void> {
    return this.writes.run(this.key, async () => {
      const next = change((await this.io.get<ActivityIndex>(this.key)) ?? emptyIndex());
      if (next) await this.io.set(this.key, next);
    });
  }
}
