import type { RecordIo } from './records.js';
import { storeKeys } from './storeKeys.js';
import type { ImageBlob, ThreadMeta } from './types.js';

/** An image as stored: JSON-safe, so every keyv adapter can hold it. */
export interface StoredBlob {
  mime: string;
  data: string;
}

export const storedBlob = (blob: ImageBlob): StoredBlob => ({
  mime: blob.mime,
  data: Buffer.from(blob.bytes).toString('base64'),
});

/** The thread record lists its blobs, so a reset can delete them without reading every turn. */
export const withBlobIds = (meta: ThreadMeta, blobs: readonly ImageBlob[]): Pick<ThreadMeta, 'blobIds'> =>
  blobs.length === 0 ? {} : { blobIds: [...new Set([...(meta.blobIds ?? []), ...blobs.map((b) => b.id)])] };

/** Image bytes of a thread by blob id; missing ones are simply absent from the map. */
export async function readBlobs(
  io: RecordIo,
  threadId: string,
  ids: readonly string[],
): Promise<Map<string, Uint8Array>> {
  const found = new Map<string, Uint8Array>();
  if (ids.length === 0) return found;
  const values = await io.getMany<StoredBlob>(ids.map((id) => storeKeys.blob(threadId, id)));
  values.forEach((value, i) => {
    if (value) found.set(ids[i]!, Buffer.from(value.data, 'base64'));
  });
  return found;
}
