/**
 * What the conversation engine needs from the model: the model client's own types, narrowed to the calls it makes,
 * so tests and other backends can stand in for it.
 */
import type { ModelClient } from '../llm/modelClient.js';

export type { ChatMessage, ChatRequest, ChatResult } from '../llm/modelClient.js';

export type ChatModel = Pick<ModelClient, 'streamChat' | 'complete' | 'moderate'>;
