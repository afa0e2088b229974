/** Every record key the store writes, in one place, so two parts of the store can never disagree on a name. */

/** Usage of direct messages is counted under this pseudo-guild. */
const DM_SCOPE = 'dm';

export const storeKeys = {
  thread: (threadId: string) => `thread:${threadId}`,
  // The epoch in the key means a reset can never read back an old turn, even one whose delete did not land.
  turn: (threadId: string, epoch: number, index: number) => `turn:${threadId}:${epoch}:${index}`,
  guild: (guildId: string) => `guild:${guildId}`,
  // Images are kept once per thread (sha256 id), as the resized copy: Discord's CDN links expire.
  blob: (threadId: string, blobId: string) => `blob:${threadId}:${blobId}`,
  userUsage: (guildId: string | null, userId: string, day: string) => `usage:u:${guildId ?? DM_SCOPE}:${userId}:${day}`,
  guildUsage: (guildId: string | null, day: string) => `usage:g:${guildId ?? DM_SCOPE}:${day}`,
  userIndex: (guildId: string, day: string) => `usage:users:${guildId}:${day}`,
  /** The per-key queue a lease claim runs in (the same name leaseRecords.ts stores the lease under). */
  lease: (name: string) => `lease:${name}`,
  /**
   * The catch-up activity index: one per shard (`scope`), since only the shard serving a guild writes its threads'
   * activity. Processes sharing one index would overwrite each other's read-modify-writes, and each would plan to
   * catch up on the others' threads. A single process keeps the unscoped key.
   */
  activity: (scope?: string) => (scope ? `activity:threads:${scope}` : 'activity:threads'),
  healthPing: 'health:ping',
};
