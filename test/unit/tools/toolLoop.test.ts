/** The loop's own rules, with a scripted model and an executor that records what ran when. */
import { setTimeout as sleep } from 'node:timers/promises';
import type { ChatCompletionFunctionTool } from 'openai/resources/chat/completions';
import { describe, expect, it } from 'vitest';
import type { ToolExecutor } from '../../../src/tools/mcpHost.js';
import { MAX_CALLS_PER_ROUND, runToolLoop, type RoundRequest, type RoundResult } from '../../../src/tools/toolLoop.js';
import type { ToolCall } from '../../../src/tools/toolMessages.js';

const tool = (name: string): ChatCompletionFunctionTool => ({ type: 'function', function: { name, parameters: {} } });
const tools = [tool('s__wait'), tool('s__other')];

function executor(waitMs = 100) {
  const log: { name: string; start: number; end: number }[] = [];
  const exec: ToolExecutor = {
    describe: (name) => ({ server: 's', tool: name.replace('s__', '') }),
    call: async (name, _raw, signal) => {
      const start = Date.now();
      try {
        await sleep(waitMs, undefined, { signal });
      } catch {
        return { kind: 'aborted', ok: false, content: 'cancelled', durationMs: Date.now() - start };
      }
      log.push({ name, start, end: Date.now() });
      return { kind: 'ok', ok: true, content: `${name} done`, server: 's', tool: name, durationMs: Date.now() - start };
    },
  };
  return { exec, log };
}

/** A model that asks for `calls` in each of the first `toolRounds` rounds, then answers. */
function model(toolRounds: number, calls: (round: number) => ToolCall[]) {
  const requests: RoundRequest[] = [];
  const streamRound = async (_messages: readonly unknown[], request: RoundRequest): Promise<RoundResult> => {
    requests.push(request);
    const round = requests.length - 1;
    if (round < toolRounds && request.toolChoice === 'auto') {
      return { text: '', toolCalls: calls(round), finishReason: 'tool_calls' };
    }
    return { text: `answer after ${round} rounds`, toolCalls: [], finishReason: 'stop' };
  };
  return { streamRound, requests };
}

describe('tool loop', () => {
  it('runs one round’s calls in parallel', async () => {
    const { exec, log } = executor(150);
    const { streamRound } = model(1, () => [
      { id: 'a', name: 's__wait', arguments: '{}' },
      { id: 'b', name: 's__other', arguments: '{}' },
    ]);
    const started = Date.now();
    const result = await runToolLoop({ messages: [], tools, executor: exec, streamRound });
    expect(log).toHaveLength(2);
    expect(Date.now() - started).toBeLessThan(280);
    expect(result.exchange.map((m) => (m.role === 'tool' ? m.toolCallId : m.role))).toEqual(['assistant', 'a', 'b']);
  });

  it('caps rounds and then asks for an answer with toolChoice none', async () => {
    const { exec } = executor(0);
    const { streamRound, requests } = model(99, (r) => [{ id: `c${r}`, name: 's__wait', arguments: '{}' }]);
    const result = await runToolLoop({ messages: [], tools, executor: exec, streamRound, maxRounds: 3 });
    expect(requests.map((r) => r.toolChoice)).toEqual(['auto', 'auto', 'auto', 'none']);
    expect(result.calls).toHaveLength(3);
    expect(result.text).toBe('answer after 3 rounds');
  });

  it('answers tools that were not offered, and calls beyond the per-round cap, with error results', async () => {
    const { exec, log } = executor(0);
    const many = Array.from({ length: MAX_CALLS_PER_ROUND + 2 }, (_, i) => ({
      id: `m${i}`,
      name: 's__wait',
      arguments: '{}',
    }));
    const { streamRound } = model(1, () => [{ id: 'x', name: 's__secret', arguments: '{}' }, ...many]);
    const result = await runToolLoop({ messages: [], tools, executor: exec, streamRound });
    expect(result.calls[0]).toMatchObject({ id: 'x', kind: 'unknown_tool' });
    expect(result.calls.filter((c) => c.kind === 'skipped')).toHaveLength(3);
    expect(log).toHaveLength(MAX_CALLS_PER_ROUND - 1);
    expect(result.exchange.filter((m) => m.role === 'tool')).toHaveLength(MAX_CALLS_PER_ROUND + 3);
  });

  it('without tools, makes a single plain round', async () => {
    const { exec } = executor(0);
    const { streamRound, requests } = model(5, () => [{ id: 'a', name: 's__wait', arguments: '{}' }]);
    const result = await runToolLoop({ messages: [], tools: [], executor: exec, streamRound });
    expect(requests).toEqual([{ tools: [], toolChoice: 'auto' }]);
    expect(result.exchange).toEqual([]);
  });

  it('stops with the abort reason when the user presses Stop during a call', async () => {
    const { exec } = executor(5_000);
    const { streamRound, requests } = model(5, () => [{ id: 'a', name: 's__wait', arguments: '{}' }]);
    const controller = new AbortController();
    const run = runToolLoop({
      messages: [],
      tools,
      executor: exec,
      streamRound,
      signal: controller.signal,
      onToolUse: () => controller.abort(new Error('stopped by user')),
    });
    await expect(run).rejects.toThrow('stopped by user');
    expect(requests).toHaveLength(1);
  });
});
