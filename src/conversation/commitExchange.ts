/** Writes a finished exchange (the user's parts, images once, the answer) at the thread's commit point. */
import { splitForStorage } from '../input/contentParts.js';
import type { ChatResult } from '../llm/chatTypes.js';
import type { Logger } from '../log.js';
import { notSavedNotice, StoreError } from '../store/keyvStore.js';
import type { Store, Turn } from '../store/types.js';
import { notices } from '../strings.js';
import { countTokensAsync } from '../tokens/tokenCounter.js';
import type { ToolExchangeMessage } from '../tools/toolMessages.js';
import type { PreparedTurn } from './generateAnswer.js';
import { exchangeTokens } from './toolRounds.js';
import type { TurnRequest } from './turn.js';

export interface CommitInput {
  prepared: PreparedTurn;
  request: TurnRequest;
  result: ChatResult;
  /** The Discord messages that carry the answer. */
  messageIds: string[];
  /** The answer's tool calls and results, stored with it. */
  exchange: ToolExchangeMessage[];
  /** Regenerate / an edited latest message: the exchange from this turn index on is replaced. */
  replaceFrom?: number | undefined;
  botUserId: string;
  at: number;
}

/** Undefined when saved; otherwise the notice saying why not (disk full, busy, reset meanwhile…). */
export async function commitExchange(store: Store, logger: Logger, input: CommitInput): Promise<string | undefined> {
  const { prepared, request, result, at } = input;
  const stored = splitForStorage(prepared.userParts);
  const userTurn: Turn = {
    role: 'user',
    parts: stored.parts,
    authorId: request.userId,
    ...(request.authorName ? { authorName: request.authorName } : {}),
    messageIds: request.messageId ? [request.messageId] : [],
    tokens: prepared.userTokens,
    at,
  };
  const { exchange } = input;
  // With tools the usage covers every round: count the answer's own text instead.
  const counted = result.usage.estimated || exchange.length > 0;
  const answerTokens = counted ? await countTokensAsync(result.text) : result.usage.completionTokens;
  const answerTurn: Turn = {
    role: 'assistant',
    parts: [{ type: 'text', text: result.text, tokens: answerTokens }],
    authorId: input.botUserId,
    messageIds: input.messageIds,
    ...(exchange.length > 0 ? { toolExchange: exchange } : {}),
    tokens: answerTokens + exchangeTokens(exchange),
    at,
  };
  try {
    const { meta, summary } = prepared;
    const turns = [userTurn, answerTurn];
    if (input.replaceFrom === undefined) await store.commitTurns(meta, turns, summary, stored.blobs);
    else {
      const splice = {
        from: input.replaceFrom,
        remove: meta.turnCount - input.replaceFrom,
        insert: turns,
        blobs: stored.blobs,
      };
      await store.spliceTurns(meta, summary ? { ...splice, summary } : splice);
    }
    return undefined;
  } catch (error) {
    const level = error instanceof StoreError ? 'warn' : 'error';
    logger[level]({ thread: request.threadId, err: error }, 'turn not committed');
    return error instanceof StoreError ? notSavedNotice(error) : notices.notSaved;
  }
}
