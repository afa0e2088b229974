/** A user message as content parts: its text, then whatever its attachments hold that the bot could read. */
import type { ContentPart } from '../input/contentParts.js';
import { readAttachments } from '../input/readAttachments.js';
import { countTokensAsync } from '../tokens/tokenCounter.js';
import type { ConversationSettings, TurnRequest } from './turn.js';

export interface UserInput {
  parts: ContentPart[];
  /** One plain sentence per attachment that could not be read. */
  notices: string[];
}

export async function readUserInput(request: TurnRequest, settings: ConversationSettings): Promise<UserInput> {
  const parts: ContentPart[] = [];
  if (request.content.trim() !== '') {
    // Counted off the event loop's hot path: the text can be long (MAX_INPUT_CHARS).
    parts.push({ type: 'text', text: request.content, tokens: await countTokensAsync(request.content) });
  }
  const refs = request.attachments ?? [];
  if (refs.length === 0) return { parts, notices: [] };
  const read = await readAttachments(refs, settings.attachments, { apiBase: settings.attachmentHostBase });
  return { parts: [...parts, ...read.parts], notices: read.notices };
}
