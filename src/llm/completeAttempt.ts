/** One non-streamed chat attempt (conversation summaries), through the same admission and request helper. */
import type { ChatCompletionCreateParamsNonStreaming } from 'openai/resources/chat/completions';
import type { ChatRequest } from './chatTypes.js';
import type { Transport } from './openaiTransport.js';
import type { AttemptOutcome } from './streamAttempt.js';
import { ThinkTagFilter } from './thinkTagFilter.js';

/** Inline `<think>…</think>` reasoning never reaches a summary or a title. */
function withoutThinking(text: string): string {
  const filter = new ThinkTagFilter();
  return filter.push(text) + filter.flush();
}

export async function completeAttempt(
  transport: Transport,
  model: string,
  request: ChatRequest,
): Promise<AttemptOutcome> {
  const permit = await transport.admit(request);
  const body: ChatCompletionCreateParamsNonStreaming = { ...transport.baseBody(model, request), stream: false };
  const completion = await transport.send(transport.openai.chat.completions.create(body, { signal: request.signal }));
  transport.settleTokens(permit.tokens, request, completion.usage);
  const choice = completion.choices[0];
  return {
    text: withoutThinking(choice?.message.content ?? ''),
    model: completion.model || model,
    finishReason: choice?.finish_reason ?? 'stop',
    serverUsage: completion.usage,
  };
}
