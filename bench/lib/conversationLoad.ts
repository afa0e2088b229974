/**
 * The load B1 and B9 drive through the real model client: conversations of a few turns each, all at once, every
 * question a seeded piece of prose of some length, every answer added to its conversation's history.
 */
import type { ChatMessage, ModelClient } from '../../src/llm/modelClient.js';
import { countPromptTokens } from '../../src/tokens/tokenCounter.js';
import { prose } from './util.js';

const SYSTEM_PROMPT = 'You are a helpful assistant chatting in a Discord thread. Answer clearly and concisely.';
const USER_ID = '123456789012345678';
const GUILD_ID = '876543210987654321';

export interface ConversationLoad {
  conversations: number;
  turnsPerConversation: number;
  /** Question length in words: from `low` up to (not including) `high`. */
  userWords: readonly [low: number, high: number];
  random: () => number;
  /** Ends every call and the remaining turns. */
  signal: AbortSignal;
  /** Prefixes each question, so two runs never ask the same (the fake's prompt cache). */
  tag?: string;
  /** Called as a turn asks; the function it returns is called once at the first token or the failure. */
  onTurn(): () => void;
}

export async function runConversations(
  client: Pick<ModelClient, 'streamChat'>,
  load: ConversationLoad,
): Promise<{ completed: number; failed: number }> {
  let completed = 0;
  let failed = 0;
  const [low, high] = load.userWords;
  const conversation = async (index: number) => {
    const history: ChatMessage[] = [{ role: 'system', content: SYSTEM_PROMPT }];
    for (let turn = 0; turn < load.turnsPerConversation && !load.signal.aborted; turn++) {
      const words = low + Math.floor(load.random() * (high - low));
      const question: ChatMessage = {
        role: 'user',
        content: `(${load.tag ?? ''}${index}.${turn}) ${prose(load.random, words)}`,
      };
      const messages = [...history, question];
      let firstSeen = false;
      const reached = load.onTurn();
      const gotFirst = () => {
        if (firstSeen) return;
        firstSeen = true;
        reached();
      };
      try {
        const request = { messages, promptTokens: countPromptTokens(messages), userId: USER_ID, guildId: GUILD_ID };
        const result = await client.streamChat({ ...request, signal: load.signal }, { onDelta: gotFirst });
        gotFirst();
        completed++;
        history.push(question, { role: 'assistant', content: result.text });
      } catch {
        gotFirst();
        failed++;
      }
    }
  };
  await Promise.all(Array.from({ length: load.conversations }, (_, i) => conversation(i)));
  return { completed, failed };
}
