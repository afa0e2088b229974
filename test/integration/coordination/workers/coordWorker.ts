/**
 * One bot-like process for the cross-process write budget and user limit tests, driven by stdin commands:
 *   budget <ms>              hammer the shared write budget with 4 callers; print the grant times
 *   take <key> <n> <heard>   once <heard> admissions of other processes were announced, take n user slots
 */
import { createInterface } from 'node:readline';
import { connectRedis, whenUp } from '../../../../src/coordination/redisConnection.js';
import { SharedUserLimit } from '../../../../src/coordination/sharedUserLimit.js';
import { SharedWriteBudget } from '../../../../src/coordination/sharedWriteBudget.js';

const HEAR_TIMEOUT_MS = 5_000;
const hub = connectRedis(process.env.REDIS_URL ?? '');
if (!(await whenUp(hub, 5_000))) throw new Error('redis not reachable');
const budget = new SharedWriteBudget({
  hub,
  perSecond: Number(process.env.PER_SECOND ?? 40),
  fallbackShare: 0.5,
  key: process.env.BUDGET_KEY ?? 'test-budget',
});
const users = new SharedUserLimit({ hub, perMinute: 5, channel: process.env.USER_CHANNEL ?? 'test-users' });
await users.ready;
console.log('ready');

async function hammer(ms: number): Promise<number[]> {
  const deadline = Date.now() + ms;
  const granted: number[] = [];
  const caller = async () => {
    while (Date.now() < deadline) {
      await budget.acquire('urgent');
      if (Date.now() < deadline) granted.push(Date.now());
    }
  };
  await Promise.all([caller(), caller(), caller(), caller()]);
  return granted;
}

async function heard(count: number): Promise<void> {
  const deadline = Date.now() + HEAR_TIMEOUT_MS;
  while (users.heard < count) {
    if (Date.now() > deadline) throw new Error(`heard ${users.heard} of ${count} announcements`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

for await (const line of createInterface({ input: process.stdin })) {
  const [command, a, b, c] = line.split(' ');
  if (command === 'budget') console.log(JSON.stringify(await hammer(Number(a))));
  if (command === 'take') {
    await heard(Number(c));
    const slots = Array.from({ length: Number(b) }, () => users.take(a ?? '', Date.now()).ok);
    console.log(JSON.stringify(slots));
  }
  if (command === 'quit') break;
}
budget.dispose();
users.close();
await hub.close();
process.exit(0);
