/**
 * Accumulates streamed `delta.tool_calls` into whole calls. OpenAI sends, per call, a first fragment with
 * `index`, `id`, `type` and `function.name`, then fragments with only `index` and a piece of
 * `function.arguments`; the pieces concatenate in arrival order. Parallel calls use distinct indexes.
 */
import type { ChatCompletionChunk } from 'openai/resources/chat/completions';
import type { ToolCall } from './toolMessages.js';

type ToolCallDelta = ChatCompletionChunk.Choice.Delta.ToolCall;

export interface ToolCallAccumulator {
  add(deltas: readonly ToolCallDelta[] | undefined): void;
  /** Calls in index order; a call the server sent without an id gets a generated one. */
  calls(): ToolCall[];
}

export function createToolCallAccumulator(idPrefix = 'call'): ToolCallAccumulator {
  const byIndex = new Map<number, { id: string; name: string; arguments: string }>();
  return {
    add(deltas) {
      for (const delta of deltas ?? []) {
        const entry = byIndex.get(delta.index) ?? { id: '', name: '', arguments: '' };
        if (delta.id) entry.id = delta.id;
        // Names arrive whole in OpenAI's streams; some compatible servers split them, so append.
        if (delta.function?.name) entry.name += delta.function.name;
        if (delta.function?.arguments) entry.arguments += delta.function.arguments;
        byIndex.set(delta.index, entry);
      }
    },
    calls() {
      return [...byIndex.entries()]
        .sort(([a], [b]) => a - b)
        .map(([index, entry]) => ({ ...entry, id: entry.id || `${idPrefix}_${index}` }));
    },
  };
}
