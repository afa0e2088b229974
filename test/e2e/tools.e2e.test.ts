import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChatCompletionCreateParams } from 'openai/resources/chat/completions';
import { afterAll, describe, expect, it } from 'vitest';
import { testServerStdio } from '../fakes/mcp/index.js';
import { makeTempDir } from '../helpers/tempDir.js';
import { harnessPerTest, type Harness } from './harness.js';
import { waitForAnswer } from './waitForAnswer.js';

type Body = ChatCompletionCreateParams;
const toolResults = (body: Body) => body.messages.filter((m) => m.role === 'tool').map((m) => String(m.content));
const lastIsToolResult = (body: Body) => body.messages.at(-1)?.role === 'tool';

describe('MCP tools through Discord', () => {
  let h: Harness;
  const start = harnessPerTest();
  const temp = makeTempDir('mcp-e2e-');
  afterAll(() => temp.remove());

  /** MCP_CONFIG with our test server over stdio, plus any extra servers. */
  function mcpConfig(extra: Record<string, unknown> = {}): string {
    const file = join(temp.dir, `mcp-${Date.now()}-${Math.random().toString(36).slice(2)}.json`);
    const { command, args } = testServerStdio();
    writeFileSync(file, JSON.stringify({ mcpServers: { t: { command, args }, ...extra } }));
    return file;
  }

  /** Ask in a new thread and wait for the answer itself (a tool status is visible without a cursor too). */
  async function ask(text: string, answered: RegExp = /^(?!\*Using)/) {
    const asked = h.discord.sendMessage({ content: text, mentionsBot: true });
    const thread = await h.discord.waitForThread({ fromMessageId: asked.id });
    await h.discord.waitFor(
      () => answered.test(h.discord.botMessagesIn(thread.id).at(-1)?.current.content ?? '*Using'),
      {
        timeoutMs: 15_000,
        description: 'the answer after the tool round',
      },
    );
    await waitForAnswer(h.discord, thread.id);
    return thread.id;
  }

  it('answers with a tool, shows which one it uses, and remembers the result after a restart', async () => {
    h = await start({
      env: { MCP_CONFIG: mcpConfig() },
      openai: {
        timeToFirstTokenMs: 300,
        answer: (body) =>
          lastIsToolResult(body)
            ? `The tool said: ${toolResults(body).at(-1)}`
            : body.messages.some((m) => m.role === 'tool')
              ? `Earlier the tool said: ${toolResults(body)[0]}`
              : { toolCalls: [{ name: 't__echo', arguments: { text: 'ahoy' } }] },
      },
    });
    const threadId = await ask('please echo ahoy');
    const first = h.openai.chatRequests()[0]!.body as Body;
    expect(first.tools?.map((t) => (t.type === 'function' ? t.function.name : ''))).toContain('t__echo');
    const [answer] = h.discord.botMessagesIn(threadId);
    expect(answer!.current.content).toBe('The tool said: echo: ahoy');
    // While the tool ran, the message said which tool (edited in place, no extra message).
    const versions = h.discord.messageHistory(answer!.id).map((v) => v.content);
    expect(versions.some((v) => v.includes('Using `echo`'))).toBe(true);

    await h.restart();
    h.discord.sendMessage({ channelId: threadId, content: 'what did the tool say?' });
    await waitForAnswer(h.discord, threadId, { atLeast: 2 });
    const later = h.openai.chatRequests().at(-1)!.body as Body;
    // The stored exchange is replayed: the call, then its result, before the answer.
    expect(later.messages.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'tool', 'assistant', 'user']);
    expect(h.discord.botMessagesIn(threadId).at(-1)!.current.content).toBe('Earlier the tool said: echo: ahoy');
  });

  it('sends invalid arguments back as an error without calling the tool, and stops after MAX_TOOL_ROUNDS', async () => {
    h = await start({
      env: { MCP_CONFIG: mcpConfig(), MAX_TOOL_ROUNDS: '2' },
      openai: {
        answer: (body) =>
          body.tool_choice === 'none'
            ? `Giving up after ${toolResults(body).length} results: ${toolResults(body).join(' | ')}`
            : { toolCalls: [{ name: 't__strict', arguments: { count: 99, mode: 'fast' } }] },
      },
    });
    const threadId = await ask('use the strict tool');
    expect(h.openai.chatRequests()).toHaveLength(3);
    const text = h.discord.botMessagesIn(threadId).at(-1)!.current.content;
    expect(text).toMatch(/^Giving up after 2 results: .*invalid arguments for strict/);
    expect(text).not.toContain('strict ok');
  });

  it('times a slow tool out, and still starts when one configured server cannot', async () => {
    const broken = { command: process.execPath, args: ['-e', 'process.exit(3)'] };
    h = await start({
      env: { MCP_CONFIG: mcpConfig({ broken }), TOOL_TIMEOUT_MS: '300' },
      openai: {
        answer: (body) =>
          lastIsToolResult(body)
            ? `Result: ${toolResults(body).at(-1)}`
            : { toolCalls: [{ name: 't__slow', arguments: { ms: 5_000 } }] },
      },
    });
    const threadId = await ask('be slow');
    expect(h.discord.botMessagesIn(threadId).at(-1)!.current.content).toMatch(
      /^Result: Error: slow did not answer within 300 ms/,
    );
  });

  it('offers no tools where the server turned them off with /settings tools', async () => {
    h = await start({ env: { MCP_CONFIG: mcpConfig() } });
    await h.discord
      .runSlashCommand({ name: 'settings', subcommand: 'tools', options: { enabled: false }, asAdmin: true })
      .settled();
    await ask('hello');
    expect((h.openai.chatRequests()[0]!.body as Body).tools).toBeUndefined();
  });
});
