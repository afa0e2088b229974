/** The fake's tool calling, checked against the real SDK's own stream accumulator and OpenAI's ordering rules. */
import OpenAI, { type APIError } from 'openai';
import type { ChatCompletionMessageParam, ChatCompletionTool } from 'openai/resources/chat/completions';
import { afterEach, describe, expect, it } from 'vitest';
import { createToolCallAccumulator } from '../../../src/tools/toolCallDeltas.js';
import { assertNoViolations, startFakeOpenAI, type FakeOpenAI } from './index.js';

const fakes: FakeOpenAI[] = [];
afterEach(async () => {
  const started = fakes.splice(0);
  try {
    assertNoViolations(...started);
  } finally {
    await Promise.all(started.map((fake) => fake.close()));
  }
});

const tools: ChatCompletionTool[] = [
  {
    type: 'function',
    function: { name: 'shop__lookup_order', parameters: { type: 'object', properties: { id: { type: 'string' } } } },
  },
  { type: 'function', function: { name: 'shop__weather', parameters: { type: 'object', properties: {} } } },
];
const user: ChatCompletionMessageParam = { role: 'user', content: 'Where is order 42, and is it raining?' };

async function start(): Promise<{ fake: FakeOpenAI; sdk: OpenAI }> {
  const fake = await startFakeOpenAI({
    answer: (body) =>
      body.messages.some((m) => m.role === 'tool')
        ? 'Order 42 ships today; no rain.'
        : {
            text: 'Let me check.',
            toolCalls: [
              { id: 'call_a', name: 'shop__lookup_order', arguments: { id: '42', note: 'a "quoted" ünïcode note' } },
              { id: 'call_b', name: 'shop__weather', arguments: {} },
            ],
          },
  });
  fakes.push(fake);
  return { fake, sdk: new OpenAI({ apiKey: 'sk-test', baseURL: fake.url, maxRetries: 0, logLevel: 'off' }) };
}

describe('fake OpenAI: tool calls', () => {
  it('streams parallel tool calls by index; our accumulator agrees with the SDK own', async () => {
    const { sdk } = await start();
    const stream = sdk.chat.completions.stream({
      model: 'gpt-4o-mini',
      messages: [user],
      tools,
      stream: true,
      stream_options: { include_usage: true },
    });
    const ours = createToolCallAccumulator();
    let fragments = 0;
    for await (const chunk of stream) {
      const deltas = chunk.choices[0]?.delta.tool_calls;
      if (deltas) fragments++;
      ours.add(deltas);
    }
    const final = await stream.finalChatCompletion();
    const choice = final.choices[0];
    expect(choice?.finish_reason).toBe('tool_calls');
    expect(choice?.message.content).toBe('Let me check.');
    const sdkCalls = (choice?.message.tool_calls ?? []).map((c) =>
      c.type === 'function' ? { id: c.id, name: c.function.name, arguments: c.function.arguments } : undefined,
    );
    expect(ours.calls()).toEqual(sdkCalls);
    expect(JSON.parse(ours.calls()[0]?.arguments ?? '')).toEqual({ id: '42', note: 'a "quoted" ünïcode note' });
    expect(fragments).toBeGreaterThan(4); // arguments really arrive in pieces
    expect(final.usage?.completion_tokens).toBeGreaterThan(0);
  });

  it('answers a follow-up carrying the assistant tool_calls and one tool message per call', async () => {
    const { sdk, fake } = await start();
    const messages: ChatCompletionMessageParam[] = [
      user,
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          { id: 'call_a', type: 'function', function: { name: 'shop__lookup_order', arguments: '{"id":"42"}' } },
          { id: 'call_b', type: 'function', function: { name: 'shop__weather', arguments: '{}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'call_a', content: 'ships today' },
      { role: 'tool', tool_call_id: 'call_b', content: 'dry' },
    ];
    await sdk.chat.completions.create({ model: 'gpt-4o-mini', messages: [user], tools });
    const answer = await sdk.chat.completions.create({ model: 'gpt-4o-mini', messages, tools });
    expect(answer.choices[0]?.message.content).toBe('Order 42 ships today; no rain.');
    // The stored exchange costs prompt tokens: the calls' JSON and the results are counted.
    const [alone, followUp] = fake.chatRequests();
    expect((followUp?.promptTokens ?? 0) - (alone?.promptTokens ?? 0)).toBeGreaterThan(20);
  });

  it('rejects a tool call left unanswered, or a tool message without a call, as OpenAI does', async () => {
    const { sdk, fake } = await start();
    const call = { id: 'call_a', type: 'function' as const, function: { name: 'shop__weather', arguments: '{}' } };
    const unanswered: ChatCompletionMessageParam[] = [
      user,
      { role: 'assistant', content: null, tool_calls: [call] },
      { role: 'user', content: 'hello?' },
    ];
    const orphan: ChatCompletionMessageParam[] = [user, { role: 'tool', tool_call_id: 'call_zz', content: 'x' }];
    for (const messages of [unanswered, orphan]) {
      const error = (await sdk.chat.completions
        .create({ model: 'gpt-4o-mini', messages, tools })
        .catch((e) => e)) as APIError;
      expect(error.status).toBe(400);
    }
    expect(fake.violations.map((v) => v.errors[0]?.pointer)).toEqual(['/messages/1', '/messages/1']);
    expect(fake.violations[0]?.message).toContain('call_a');
    fake.clearViolations();
  });

  it('returns tool_calls with null content when not streaming', async () => {
    const fake = await startFakeOpenAI({ answer: () => ({ toolCalls: [{ name: 'shop__weather', arguments: '{}' }] }) });
    fakes.push(fake);
    const sdk = new OpenAI({ apiKey: 'sk-test', baseURL: fake.url, maxRetries: 0, logLevel: 'off' });
    const answer = await sdk.chat.completions.create({ model: 'gpt-4o-mini', messages: [user], tools });
    expect(answer.choices[0]?.finish_reason).toBe('tool_calls');
    expect(answer.choices[0]?.message.content).toBeNull();
    expect(answer.choices[0]?.message.tool_calls?.[0]).toMatchObject({
      type: 'function',
      id: expect.stringMatching(/^call_/),
    });
  });
});
