import { countPromptTokens, countTokensAsync } from '../tokens/tokenCounter.js';
import { turnText, type ThreadSummary, type Turn } from '../store/types.js';
import type { ChatMessage, ChatModel } from './ports.js';

/** Summarize only once this much dropped text is waiting: one extra call per batch, not per turn. */
export const SUMMARY_BATCH_TOKENS = 600;
/** Most dropped turns read for one summary; anything older is already represented or too old to matter. */
export const SUMMARY_MAX_INPUT_TURNS = 40;
/** Most tokens of dropped text sent to one summary call. */
export const SUMMARY_MAX_INPUT_TOKENS = 6_000;
export const SUMMARY_MAX_COMPLETION_TOKENS = 300;

const SUMMARY_INSTRUCTIONS =
  'You keep the memory of a chat in a Discord thread. Merge the previous memory (if any) with the older messages ' +
  'below into one short summary of at most 150 words: who asked what, facts, decisions, preferences and open ' +
  'questions. Write plain sentences, no preamble.';

export const SUMMARY_PREFIX = 'Memory of earlier messages in this thread (no longer shown in full):\n';

/** The second system message carrying the rolling summary. */
export const summaryMessage = (summary: ThreadSummary): ChatMessage => ({
  role: 'system',
  content: SUMMARY_PREFIX + summary.text,
});

/** Turns [from, to) that dropped out of the request window and are not in the summary yet. */
export interface PendingRange {
  from: number;
  to: number;
}

export function pendingSummaryRange(summary: ThreadSummary | undefined, windowStart: number): PendingRange | undefined {
  const from = Math.max(summary?.through ?? 0, windowStart - SUMMARY_MAX_INPUT_TURNS);
  return windowStart > from ? { from, to: windowStart } : undefined;
}

/** Whether the waiting dropped turns are worth an extra model call yet. */
export const summaryDue = (dropped: readonly Turn[]): boolean =>
  dropped.reduce((sum, t) => sum + t.tokens, 0) >= SUMMARY_BATCH_TOKENS;

/** Newest dropped turns that fit the summary call's input budget, oldest first. */
function newestWithin(turns: readonly Turn[], maxTokens: number): Turn[] {
  const kept: Turn[] = [];
  let tokens = 0;
  for (let i = turns.length - 1; i >= 0; i--) {
    const turn = turns[i]!;
    if (tokens + turn.tokens > maxTokens) break;
    tokens += turn.tokens;
    kept.unshift(turn);
  }
  return kept;
}

export interface SummarizeInput {
  model: ChatModel;
  previous: ThreadSummary | undefined;
  dropped: readonly Turn[];
  /** Thread index just past the last dropped turn: the new summary covers [0, through). */
  through: number;
  userId: string;
  guildId: string | null;
}

/** One extra model call folding the dropped turns into the rolling summary. */
export async function summarizeDropped(input: SummarizeInput): Promise<ThreadSummary> {
  const transcript = newestWithin(input.dropped, SUMMARY_MAX_INPUT_TOKENS)
    .map((t) => `${t.role === 'user' ? `User <@${t.authorId}>` : 'Assistant'}: ${turnText(t)}`)
    .join('\n\n');
  const messages: ChatMessage[] = [
    { role: 'system', content: SUMMARY_INSTRUCTIONS },
    {
      role: 'user',
      content: `Previous memory:\n${input.previous?.text ?? '(none)'}\n\nOlder messages:\n${transcript}`,
    },
  ];
  const result = await input.model.complete({
    messages,
    promptTokens: countPromptTokens(messages),
    userId: input.userId,
    guildId: input.guildId,
    maxCompletionTokens: SUMMARY_MAX_COMPLETION_TOKENS,
  });
  const text = result.text.trim();
  if (text === '') throw new Error('empty summary');
  return { text, tokens: await countTokensAsync(SUMMARY_PREFIX + text), through: input.through };
}
