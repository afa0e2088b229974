/**
 * The tool loop end to end below Discord: the real openai SDK streams from the fake OpenAI (tool-call deltas),
 * calls run on our real stdio MCP server, and the follow-up requests pass OpenAI's spec and ordering checks.
 */
import OpenAI from 'openai';
import type { ChatCompletionCreateParams, ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/log.js';
import { startMcpHost, type McpHost } from '../../../src/tools/mcpHost.js';
import { createToolCallAccumulator } from '../../../src/tools/toolCallDeltas.js';
import { runToolLoop, type RoundRequest, type RoundResult } from '../../../src/tools/toolLoop.js';
import { toOpenAIToolMessage, type ToolExchangeMessage } from '../../../src/tools/toolMessages.js';
import { startFakeOpenAI, type FakeOpenAI } from '../../fakes/openai/index.js';
import { testServerStdio } from '../../fakes/mcp/index.js';

type Plain = { role: 'system' | 'user' | 'assistant'; content: string };
const toParam = (m: Plain | ToolExchangeMessage): ChatCompletionMessageParam =>
  m.role === 'tool' || 'toolCalls' in m ? toOpenAIToolMessage(m) : m;

/** What the production adapter (src/llm/stream) must do per round, in a dozen lines. */
function streamRoundWith(sdk: OpenAI) {
  return async (messages: readonly (Plain | ToolExchangeMessage)[], request: RoundRequest): Promise<RoundResult> => {
    const stream = await sdk.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: messages.map(toParam),
      ...(request.tools.length > 0 ? { tools: request.tools, tool_choice: request.toolChoice } : {}),
      stream: true,
      stream_options: { include_usage: true },
    });
    const calls = createToolCallAccumulator();
    let text = '';
    let finishReason = '';
    for await (const chunk of stream) {
      const choice = chunk.choices[0];
      text += choice?.delta.content ?? '';
      calls.add(choice?.delta.tool_calls);
      finishReason = choice?.finish_reason ?? finishReason;
    }
    return { text, toolCalls: calls.calls(), finishReason };
  };
}

const lastToolResult = (body: ChatCompletionCreateParams): string | undefined => {
  const tool = body.messages.filter((m) => m.role === 'tool').at(-1);
  return typeof tool?.content === 'string' ? tool.content : undefined;
};

describe('tool loop through the openai SDK and a real MCP server', () => {
  let host: McpHost;
  let fake: FakeOpenAI;
  let sdk: OpenAI;
  const system: Plain = { role: 'system', content: 'You are a test bot.' };
  const user: Plain = { role: 'user', content: 'Echo "ahoy" and add 2 and 3 for me.' };

  beforeAll(async () => {
    host = await startMcpHost({ servers: { t: testServerStdio() }, logger: silentLogger(), toolTimeoutMs: 2_000 });
    fake = await startFakeOpenAI();
    sdk = new OpenAI({ apiKey: 'sk-test', baseURL: fake.url, maxRetries: 0, logLevel: 'off' });
  });
  afterEach(() => fake.assertNoViolations());
  afterAll(async () => {
    await fake?.close();
    await host?.close();
  });

  it('two rounds: the model calls tools in parallel, gets the results, then answers', async () => {
    fake.setAnswer((body) => {
      const result = lastToolResult(body);
      if (result)
        return `The tool said: ${body.messages
          .filter((m) => m.role === 'tool')
          .map((m) => m.content)
          .join(' | ')}`;
      return {
        toolCalls: [
          { name: 't__echo', arguments: { text: 'ahoy' } },
          { name: 't__strict', arguments: { count: 99, mode: 'fast' } },
        ],
      };
    });
    const used: string[][] = [];
    const result = await runToolLoop({
      messages: [system, user],
      tools: host.definitions(),
      executor: host,
      streamRound: streamRoundWith(sdk),
      onToolUse: (names) => used.push(names),
    });
    expect(used).toEqual([['echo', 'strict']]);
    expect(result.text).toMatch(/^The tool said: echo: ahoy \| Error: invalid arguments for strict/);
    expect(result.rounds.map((r) => r.finishReason)).toEqual(['tool_calls', 'stop']);
    expect(result.calls.map((c) => [c.tool, c.kind])).toEqual([
      ['echo', 'ok'],
      ['strict', 'invalid_arguments'],
    ]);
    // Stored exchange: assistant with both calls, then one tool message per call, in call order.
    expect(result.exchange.map((m) => m.role)).toEqual(['assistant', 'tool', 'tool']);
    const [first, second] = fake.chatRequests();
    const followUp = second?.body as ChatCompletionCreateParams;
    expect(followUp.messages.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'tool', 'tool']);
    // The tool definitions (sorted) are the same in both requests: a stable prefix for the prompt cache.
    expect(followUp.tools).toEqual((first?.body as ChatCompletionCreateParams).tools);
    expect(followUp.tools?.map((t) => (t.type === 'function' ? t.function.name : ''))).toEqual(
      host.definitions().map((d) => d.function.name),
    );
  });

  it('stops after MAX_TOOL_ROUNDS and asks for the answer with tool_choice none', async () => {
    fake.setAnswer((body) =>
      body.tool_choice === 'none'
        ? 'Enough tools; here is my answer.'
        : { toolCalls: [{ name: 't__echo', arguments: { text: 'again' } }] },
    );
    const before = fake.chatRequests().length;
    const result = await runToolLoop({
      messages: [system, user],
      tools: host.definitions(),
      executor: host,
      streamRound: streamRoundWith(sdk),
      maxRounds: 2,
    });
    const requests = fake
      .chatRequests()
      .slice(before)
      .map((r) => r.body as ChatCompletionCreateParams);
    expect(requests.map((b) => b.tool_choice)).toEqual(['auto', 'auto', 'none']);
    expect(result.text).toBe('Enough tools; here is my answer.');
    expect(result.calls).toHaveLength(2);
    expect(requests[2]?.messages.filter((m) => m.role === 'tool')).toHaveLength(2);
  });
});
