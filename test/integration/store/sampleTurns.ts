import type { KeyvStore } from '../../../src/store/keyvStore.js';
import { textTurn, turnText, type ThreadMeta, type Turn } from '../../../src/store/types.js';

export const THREAD = '300000000000000001';
export const GUILD = '200000000000000001';
export const USER = '100000000000000001';

export const turn = (role: Turn['role'], content: string): Turn =>
  textTurn({
    role,
    text: content,
    authorId: role === 'user' ? USER : '100000000000000002',
    messageIds: ['500000000000000001'],
    tokens: content.length,
    at: 1_700_000_000_000,
  });

/** One user/assistant exchange numbered `n`, padded to `size` characters so it needs new pages. */
export const exchange = (n: number, size = 40): Turn[] => [
  turn('user', `question ${n} `.padEnd(size, 'q')),
  turn('assistant', `answer ${n} `.padEnd(size, 'a')),
];

export const createThread = (store: KeyvStore): Promise<ThreadMeta> =>
  store.createThread({
    threadId: THREAD,
    guildId: GUILD,
    channelId: '200000000000000002',
    creatorId: USER,
    createdAt: 1,
  });

/** What a user would see as the thread's memory: every turn's text, in order. */
export async function history(store: KeyvStore): Promise<string[]> {
  const meta = await store.getThread(THREAD);
  if (!meta) return [];
  return (await store.getTurns(meta, 0, meta.turnCount)).map((t) => turnText(t));
}
