/**
 * How a shard tells its ShardingManager (shardManager.ts) whether to respawn it. A plain failure may pass on a
 * restart (Discord or the database unreachable); a fatal one cannot until the operator acts: Discord rejects the
 * token, or another deployment holds this one's lease. The manager then stops and exits 78 itself (systemd:
 * `RestartPreventExitStatus=78`); a single process exits 1 for every failure, as it always has.
 */
import { LeaseHeldError } from './store/lease.js';

export const EXIT_FAILED = 1;
/** EX_CONFIG (sysexits.h): restarting as is would fail the same way. */
export const EXIT_FATAL = 78;

/** The exit code for an error that stopped the bot from starting. */
export function startFailureExit(error: unknown): number {
  if (error instanceof LeaseHeldError) return EXIT_FATAL;
  // discord.js turns a 401 on GET /gateway/bot into TokenInvalid.
  const code = typeof error === 'object' && error !== null && 'code' in error ? error.code : undefined;
  return code === 'TokenInvalid' ? EXIT_FATAL : EXIT_FAILED;
}
