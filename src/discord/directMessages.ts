/**
 * Direct messages (SPEC: DMs). With ALLOW_DMS a DM channel is one conversation; without it, a user who writes gets
 * one short notice a day. The memory of who was told is bounded: the oldest entries are forgotten first.
 */
import { utcDay } from '../store/types.js';
import { RecentIds } from '../util/recentIds.js';

/** Users told per day before the oldest are forgotten (a forgotten user may get a second notice that day). */
const NOTICE_MEMORY = 10_000;

export class DmNoticeLimit {
  private readonly told = new RecentIds(NOTICE_MEMORY);

  constructor(private readonly now: () => number = Date.now) {}

  /** True the first time a user writes on a (UTC) day; false for every later message that day. */
  shouldTell(userId: string): boolean {
    return this.told.firstSight(`${userId}:${utcDay(this.now())}`);
  }
}
