import type { Logger } from '../log.js';
import type { KeyedQueue } from '../util/keyedQueue.js';
import { readBlobs, storedBlob, withBlobIds } from './blobRecords.js';
import type { RecordIo } from './records.js';
import { planSplice, type TurnSplice } from './spliceTurns.js';
import { StoreError } from './storeError.js';
import { storeKeys as keys } from './storeKeys.js';
import { upgradeTurn, type ImageBlob, type ThreadMeta, type ThreadSummary, type Turn } from './types.js';

/** Turns fetched (or deleted) per round trip when working on a range. */
const TURN_PAGE = 128;

/**
 * A thread's record, its turns and its images. The thread record is the commit point of every change, and each
 * read-modify-write of it runs in that key's queue (keyv has no atomic update).
 */
export class ThreadRecords {
  private readonly reportedGaps = new Set<string>();

  constructor(
    private readonly io: RecordIo,
    private readonly writes: KeyedQueue,
    private readonly logger: Logger | undefined,
  ) {}

  getThread(threadId: string): Promise<ThreadMeta | undefined> {
    return this.io.get<ThreadMeta>(keys.thread(threadId));
  }

  createThread(meta: Omit<ThreadMeta, 'turnCount' | 'epoch' | 'summary'>): Promise<ThreadMeta> {
    return this.writes.run(keys.thread(meta.threadId), async () => {
      const existing = await this.getThread(meta.threadId);
      if (existing) return existing;
      const created: ThreadMeta = { ...meta, turnCount: 0, epoch: 0 };
      await this.io.set(keys.thread(meta.threadId), created);
      return created;
    });
  }

  /**
   * Turns [from, to) that exist. A record that claims turns which are missing (written by an older version that
   * ignored failed writes) is served without the gaps and logged once, instead of failing every later message.
   */
  async getTurns(meta: ThreadMeta, from: number, to: number): Promise<Turn[]> {
    const start = Math.max(0, from);
    const end = Math.min(meta.turnCount, to);
    const turns: Turn[] = [];
    let missing = 0;
    for (let pageStart = start; pageStart < end; pageStart += TURN_PAGE) {
      const pageKeys: string[] = [];
      for (let i = pageStart; i < Math.min(end, pageStart + TURN_PAGE); i++) {
        pageKeys.push(keys.turn(meta.threadId, meta.epoch, i));
      }
      for (const turn of await this.io.getMany<Turn>(pageKeys)) {
        if (turn) turns.push(upgradeTurn(turn));
        else missing++;
      }
    }
    if (missing > 0) this.reportGap(meta, missing);
    return turns;
  }

  commitTurns(meta: ThreadMeta, turns: Turn[], summary?: ThreadSummary, blobs: ImageBlob[] = []): Promise<ThreadMeta> {
    return this.writes.run(keys.thread(meta.threadId), async () => {
      const current = await this.getThread(meta.threadId);
      // A reset (or another writer) moved the thread on since this turn started: the turn belongs to a
      // history that no longer exists, so it is dropped rather than grafted onto the fresh one.
      if (!current || current.epoch !== meta.epoch || current.turnCount !== meta.turnCount) {
        throw new StoreError(`thread ${meta.threadId} changed while a turn was running`, 'conflict');
      }
      const next: ThreadMeta = {
        ...current,
        turnCount: current.turnCount + turns.length,
        summary: summary ?? current.summary,
        ...withBlobIds(current, blobs),
      };
      // The thread record goes last: it is the commit point, and writeAll lands all of these or none.
      await this.io.writeAll([
        ...blobs.map((blob) => ({ key: keys.blob(meta.threadId, blob.id), value: storedBlob(blob) })),
        ...turns.map((turn, i) => ({ key: keys.turn(meta.threadId, meta.epoch, meta.turnCount + i), value: turn })),
        { key: keys.thread(meta.threadId), value: next },
      ]);
      return next;
    });
  }

  /** Replace or remove turns (spliceTurns.ts) in one commit; throws a conflict when the thread moved on meanwhile. */
  async spliceTurns(meta: ThreadMeta, splice: TurnSplice): Promise<ThreadMeta> {
    const threadId = meta.threadId;
    const plan = await this.writes.run(keys.thread(threadId), async () => {
      const current = await this.getThread(threadId);
      if (!current || current.epoch !== meta.epoch || current.turnCount !== meta.turnCount) {
        throw new StoreError(`thread ${threadId} changed while its history was being rewritten`, 'conflict');
      }
      const planned = await planSplice(current, splice, {
        readTurns: (from, to) => this.getTurns(current, from, to),
        turnKey: (index) => keys.turn(threadId, current.epoch, index),
        blobKey: (id) => keys.blob(threadId, id),
        blobValue: (blob) => storedBlob(blob),
        threadKey: keys.thread(threadId),
      });
      await this.io.writeAll(planned.entries);
      return planned;
    });
    if (plan.stale.length > 0) {
      // Past the new turn count nothing is read back; deleting is for privacy, so a failure is only logged.
      await this.io.deleteMany(plan.stale).catch((error: unknown) => {
        this.logger?.warn({ thread: threadId, err: error }, 'forgotten turns not deleted');
      });
    }
    return plan.next;
  }

  async resetThread(threadId: string): Promise<void> {
    const old = await this.writes.run(keys.thread(threadId), async () => {
      const current = await this.getThread(threadId);
      if (!current) return undefined;
      const { summary: _dropped, ...rest } = current;
      await this.io.set(keys.thread(threadId), { ...rest, turnCount: 0, epoch: current.epoch + 1 });
      return current;
    });
    if (!old || old.turnCount === 0) return;
    // Forget the old text and images too, not just hide them.
    const stale: string[] = (old.blobIds ?? []).map((id) => keys.blob(threadId, id));
    for (let i = 0; i < old.turnCount; i++) stale.push(keys.turn(threadId, old.epoch, i));
    try {
      for (let i = 0; i < stale.length; i += TURN_PAGE) await this.io.deleteMany(stale.slice(i, i + TURN_PAGE));
    } catch (error) {
      // The reset itself has landed (new epoch): leftovers can never be read back, so this is not a failed reset.
      this.logger?.warn({ thread: threadId, err: error }, 'old turns not deleted after reset');
    }
  }

  getBlobs(threadId: string, ids: readonly string[]): Promise<Map<string, Uint8Array>> {
    return readBlobs(this.io, threadId, ids);
  }

  setThreadModel(threadId: string, model: string): Promise<boolean> {
    return this.writes.run(keys.thread(threadId), async () => {
      const current = await this.getThread(threadId);
      if (!current) return false;
      await this.io.set(keys.thread(threadId), { ...current, model });
      return true;
    });
  }

  private reportGap(meta: ThreadMeta, missing: number): void {
    const key = `${meta.threadId}:${meta.epoch}`;
    if (this.reportedGaps.has(key)) return;
    this.reportedGaps.add(key);
    this.logger?.warn(
      { thread: meta.threadId, epoch: meta.epoch, turnCount: meta.turnCount, missing },
      'thread record claims turns that are missing; serving the ones that exist',
    );
  }
}
