import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { harnessPerTest, transcript, type Harness } from './harness.js';
import { visibleText, waitForAnswer } from './waitForAnswer.js';

/** A real pino logger whose lines the test can read (warnings an operator would see). */
function capturingLogger() {
  const lines: Array<{ level: number; msg: string; [key: string]: unknown }> = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const text of chunk.toString('utf8').split('\n')) if (text.trim() !== '') lines.push(JSON.parse(text));
      done();
    },
  });
  return { logger: createLogger('info', sink), lines };
}

const LONG = 'The lighthouse keeper counted the ships that passed the rocks at night. ';

describe('OpenAI-compatible servers end to end', () => {
  let h: Harness;
  const start = harnessPerTest();

  async function ask(text: string): Promise<string> {
    const asked = h.discord.sendMessage({ content: text, mentionsBot: true });
    return (await h.discord.waitForThread({ fromMessageId: asked.id })).id;
  }

  it('a llama.cpp window smaller than CONTEXT_TOKENS: the turn is retried once with a budget that fits, and remembered', async () => {
    h = await start({ openai: { answer: () => LONG.repeat(4) } });
    const { discord, openai } = h;
    const threadId = await ask(`first ${LONG.repeat(3)}`);
    await waitForAnswer(discord, threadId);
    for (let i = 2; i <= 4; i++) {
      discord.sendMessage({ channelId: threadId, content: `message ${i} ${LONG.repeat(3)}` });
      await waitForAnswer(discord, threadId, { atLeast: i });
    }
    openai.setContextWindow({ tokens: 300, shape: 'llamacpp' });
    openai.setAnswer(() => 'short answer');
    discord.sendMessage({ channelId: threadId, content: 'still there?' });
    await waitForAnswer(discord, threadId, { atLeast: 5 });
    expect(discord.botMessagesIn(threadId).at(-1)!.current.content).toBe('short answer');
    const [refused, retried] = openai.chatRequests().slice(-2);
    expect(refused!.status).toBe(400);
    expect(retried!.status).toBe(200);
    expect(retried!.promptTokens).toBeLessThanOrEqual(300);
    // The newest message is in the retried request; older turns were left out to fit.
    expect(transcript(retried!.body).at(-1)).toBe('user: still there?');
    // Remembered: the next turn fits at once.
    discord.sendMessage({ channelId: threadId, content: 'and again?' });
    await waitForAnswer(discord, threadId, { atLeast: 6 });
    expect(openai.chatRequests().at(-1)!.status).toBe(200);
    expect(openai.chatRequests().filter((r) => r.status === 400)).toHaveLength(1);
  });

  it('when even the new message alone cannot fit the window, the user is told plainly (suggesting /reset)', async () => {
    h = await start({ openai: { contextWindow: { tokens: 256, shape: 'openai' } } });
    const threadId = await ask(LONG.repeat(12));
    await waitForAnswer(h.discord, threadId);
    const text = visibleText(h.discord, threadId);
    expect(text).toMatch(/no longer fits in the model's context window/);
    expect(text).toMatch(/\/reset/);
    expect(h.openai.chatRequests().map((r) => r.status)).toEqual([400]);
  });

  it('an error event inside the stream: its message is logged, the user sees the interrupted notice', async () => {
    const { logger, lines } = capturingLogger();
    h = await start({ logger, openai: { answer: () => 'partial answer '.repeat(30), chunkTokens: 2 } });
    h.openai.fail({ kind: 'stream_error', afterChunks: 5, message: 'llama_decode failed: KV cache full' });
    const threadId = await ask('go');
    await waitForAnswer(h.discord, threadId);
    const text = visibleText(h.discord, threadId);
    expect(text).toMatch(/^partial answer/);
    expect(text).toMatch(/interrupted/);
    const logged = lines.find((l) => l.msg === 'model stream sent an error event');
    expect(String(logged?.reason)).toMatch(/KV cache full/);
  });

  it('OPENAI_MODERATION=true against a server without /v1/moderations: one warning, moderation off, turns keep working', async () => {
    const { logger, lines } = capturingLogger();
    h = await start({ logger, env: { OPENAI_MODERATION: 'true' }, openai: { moderationEndpoint: false } });
    const { discord, openai } = h;
    const threadId = await ask('one');
    await waitForAnswer(discord, threadId);
    discord.sendMessage({ channelId: threadId, content: 'two' });
    await waitForAnswer(discord, threadId, { atLeast: 2 });
    expect(discord.botMessagesIn(threadId).map((m) => m.current.content)).toEqual(['You said: one', 'You said: two']);
    expect(openai.requests.filter((r) => r.path === '/moderations').map((r) => r.status)).toEqual([404]);
    expect(lines.filter((l) => /no moderation endpoint/.test(l.msg))).toHaveLength(1);
  });
});
