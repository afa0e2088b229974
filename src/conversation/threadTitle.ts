/**
 * A short model-written title for a thread, from its first exchange (SPEC: controls on an answer, titles). One small
 * non-streamed call through the model client, so it waits for the limiter and is metered like any other call.
 */
import { turnText } from '../store/types.js';
import { countPromptTokens } from '../tokens/tokenCounter.js';
import type { ChatMessage } from './ports.js';
import type { ConversationDeps } from './turn.js';

/** SPEC: titles are at most 60 characters. */
export const TITLE_MAX_CHARS = 60;
/** A few words; a reasoning model that spends this on thinking gives an empty title, which is simply skipped. */
export const TITLE_MAX_COMPLETION_TOKENS = 40;
/** Of the question and of the answer: the opening says what the thread is about and keeps the call cheap. */
const TITLE_INPUT_CHARS = 1_500;
/** Below this, cutting at a word boundary would lose too much: cut at a grapheme instead. */
const MIN_WORD_CUT = 30;

const TITLE_INSTRUCTIONS =
  'Write a title of at most six words for the conversation below, in the language of the question. ' +
  'Reply with the title only: plain text, no quotes, no markdown, no emoji, no final period.';

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** A model's reply as a thread name: one line, no mentions or markdown, at most 60 characters. Empty → undefined. */
export function cleanTitle(raw: string): string | undefined {
  const line =
    raw
      .split('\n')
      .map((l) => l.trim())
      .find((l) => l !== '') ?? '';
  const plain = line
    .replace(/^title\s*:\s*/i, '')
    .replace(/<a?:(\w+):\d+>/g, '$1') // custom emoji → its name
    .replace(/<(?:@[!&]?|#)\d+>/g, '') // user, role and channel mentions
    .replace(/@(everyone|here)\b/gi, '$1')
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1') // markdown links → their text
    .replace(/[`*_~|>#[\]]/g, '')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/^["'“”‘’«»]+|["'“”‘’«»]+$/g, '')
    .replace(/[.。]+$/, '')
    .trim();
  if (plain === '') return undefined;
  return truncateTitle(plain);
}

/** Cut to TITLE_MAX_CHARS UTF-16 units (Discord counts those) at a grapheme, preferring a word boundary. */
function truncateTitle(text: string): string {
  if (text.length <= TITLE_MAX_CHARS) return text;
  let cut = 0;
  for (const { segment, index } of graphemes.segment(text)) {
    if (index + segment.length > TITLE_MAX_CHARS) break;
    cut = index + segment.length;
  }
  const head = text.slice(0, cut);
  const space = head.lastIndexOf(' ');
  return (space >= MIN_WORD_CUT ? head.slice(0, space) : head).trimEnd();
}

const opening = (text: string): string =>
  text.length > TITLE_INPUT_CHARS ? `${text.slice(0, TITLE_INPUT_CHARS)}…` : text;

export type TitleDeps = Pick<ConversationDeps, 'store' | 'model' | 'settings'>;

/**
 * The title for a thread from its first committed exchange, or undefined when titles are off, the exchange is gone
 * (reset meanwhile) or the model gave nothing usable. Errors of the model call reach the caller (which ignores them).
 */
export async function suggestThreadTitle(deps: TitleDeps, threadId: string): Promise<string | undefined> {
  if (deps.settings.threadTitles !== true) return undefined;
  const meta = await deps.store.getThread(threadId);
  if (!meta || meta.turnCount < 2) return undefined;
  const [question, answer] = await deps.store.getTurns(meta, 0, 2);
  if (question?.role !== 'user' || answer?.role !== 'assistant') return undefined;
  const guildSettings = meta.guildId ? await deps.store.getGuildSettings(meta.guildId) : {};
  // The model the thread's answers come from: its own choice, else the server's default.
  const model = deps.model.catalog?.inForce(meta.model, guildSettings.defaultModel) ?? deps.settings.model;
  const messages: ChatMessage[] = [
    { role: 'system', content: TITLE_INSTRUCTIONS },
    { role: 'user', content: `Question:\n${opening(turnText(question))}\n\nAnswer:\n${opening(turnText(answer))}` },
  ];
  const result = await deps.model.complete({
    messages,
    promptTokens: countPromptTokens(messages),
    userId: question.authorId,
    guildId: meta.guildId,
    model,
    maxCompletionTokens: TITLE_MAX_COMPLETION_TOKENS,
  });
  return cleanTitle(result.text);
}
