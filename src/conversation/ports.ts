/** What the conversation engine needs from the model, narrowed to the calls it makes, so other backends can stand in. */
import type { ModelClient } from '../llm/chatTypes.js';

export type { ChatMessage, ChatRequest, ChatResult } from '../llm/chatTypes.js';

export type ChatModel = Pick<ModelClient, 'streamChat' | 'complete' | 'moderate'> &
  Partial<Pick<ModelClient, 'catalog'>>;
