/**
 * Rewriting the end of a thread's history in one commit: Regenerate and a re-answered edit replace the last
 * exchange, an edit of an older message replaces one turn, a deleted message removes its exchange and shifts the
 * later turns down. Turn keys stay dense (index = position), so the history window, the summary's `through` and
 * catch-up (which keys on turn start times, not indices) need no notion of a forgotten turn; the cost is rewriting
 * the tail on a delete, which is rare. Everything lands in one writeAll with the thread record last.
 */
import { blobIdsOf, type ImageBlob } from '../input/contentParts.js';
import type { ThreadMeta, ThreadSummary, Turn } from './types.js';

export interface TurnSplice {
  /** Index of the first turn replaced or removed. */
  from: number;
  /** How many turns go from there. */
  remove: number;
  /** The turns written in their place. */
  insert: Turn[];
  /** Images the inserted turns bring. */
  blobs?: ImageBlob[];
  /** A summary refreshed by the turn making this splice. */
  summary?: ThreadSummary;
}

export interface SpliceIo {
  readTurns(from: number, to: number): Promise<Turn[]>;
  turnKey(index: number): string;
  blobKey(blobId: string): string;
  blobValue(blob: ImageBlob): unknown;
  threadKey: string;
}

export interface SplicePlan {
  next: ThreadMeta;
  entries: Array<{ key: string; value: unknown }>;
  /** Keys no longer part of the thread, deleted after the commit. */
  stale: string[];
}

export async function planSplice(current: ThreadMeta, splice: TurnSplice, io: SpliceIo): Promise<SplicePlan> {
  const { from, remove, insert } = splice;
  if (from < 0 || remove < 0 || from + remove > current.turnCount) {
    throw new RangeError(`splice [${from}, ${from + remove}) outside ${current.turnCount} turns`);
  }
  const removed = remove > 0 ? await io.readTurns(from, from + remove) : [];
  // Same length: nothing moves, only the replaced turns are written.
  const tail = insert.length === remove ? [] : await io.readTurns(from + remove, current.turnCount);
  const turnCount = current.turnCount - remove + insert.length;
  const orphans = await orphanBlobs(removed, insert, from, from + remove, current.turnCount, io);
  const blobs = splice.blobs ?? [];
  const blobIds = [...new Set([...(current.blobIds ?? []), ...blobs.map((b) => b.id)])].filter(
    (id) => !orphans.has(id),
  );
  // A summary that already folded in a changed turn would bring it back: drop it, the next turn re-summarizes.
  const summary = splice.summary ?? (current.summary && current.summary.through <= from ? current.summary : undefined);
  const { summary: _old, blobIds: _ids, ...rest } = current;
  const next: ThreadMeta = {
    ...rest,
    turnCount,
    ...(summary ? { summary } : {}),
    ...(blobIds.length > 0 ? { blobIds } : {}),
  };
  const written = [...insert, ...tail];
  const entries = [
    ...blobs.map((blob) => ({ key: io.blobKey(blob.id), value: io.blobValue(blob) })),
    ...written.map((turn, i) => ({ key: io.turnKey(from + i), value: turn as unknown })),
    { key: io.threadKey, value: next as unknown },
  ];
  const stale = [...orphans].map((id) => io.blobKey(id));
  for (let i = turnCount; i < current.turnCount; i++) stale.push(io.turnKey(i));
  return { next, entries, stale };
}

/** Images only the removed turns showed: no inserted or remaining turn refers to them any more. */
async function orphanBlobs(
  removed: readonly Turn[],
  insert: readonly Turn[],
  from: number,
  to: number,
  count: number,
  io: SpliceIo,
): Promise<Set<string>> {
  const kept = new Set(insert.flatMap((t) => blobIdsOf(t.parts)));
  const candidates = new Set(removed.flatMap((t) => blobIdsOf(t.parts)).filter((id) => !kept.has(id)));
  if (candidates.size === 0) return candidates;
  const remaining = [...(await io.readTurns(0, from)), ...(await io.readTurns(to, count))];
  for (const id of remaining.flatMap((t) => blobIdsOf(t.parts))) candidates.delete(id);
  return candidates;
}
