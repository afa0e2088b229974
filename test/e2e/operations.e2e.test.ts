import { spawn, type ChildProcess } from 'node:child_process';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { assertNoViolations, startFakeDiscord, type FakeDiscord } from '../fakes/discord/index.js';
import { startFakeOpenAI, type FakeOpenAI } from '../fakes/openai/index.js';
import { makeTempDir, sqliteUrl } from '../helpers/tempDir.js';
import { harnessPerTest, transcript, type Harness } from './harness.js';
import { visibleText, waitForAnswer } from './waitForAnswer.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SECRET_KEY = 'sk-test-operations-SECRET-0123456789';

describe('operating the bot', () => {
  let h: Harness;
  const start = harnessPerTest();

  it('logs one line per turn with the numbers an operator needs, and never the token, the key or what users wrote', async () => {
    const lines: string[] = [];
    const sink = new PassThrough();
    sink.on('data', (chunk: Buffer) => lines.push(...chunk.toString('utf8').split('\n').filter(Boolean)));
    h = await start({ logger: createLogger('info', sink), env: { OPENAI_API_KEY: SECRET_KEY } });
    const { discord } = h;
    const asked = discord.sendMessage({ content: 'my private diary entry', mentionsBot: true });
    const thread = await discord.waitForThread({ fromMessageId: asked.id });
    await waitForAnswer(discord, thread.id);
    await discord.waitFor(() => lines.some((l) => l.includes('"msg":"turn"')), 5_000);
    const turn = JSON.parse(lines.find((l) => l.includes('"msg":"turn"'))!) as Record<string, unknown>;
    expect(turn).toMatchObject({
      thread: thread.id,
      user: discord.ids.memberUserId,
      model: 'gpt-4o-mini',
      outcome: 'completed',
    });
    expect(turn.promptTokens).toEqual(expect.any(Number));
    expect(turn.completionTokens).toEqual(expect.any(Number));
    expect(turn.firstTokenMs).toEqual(expect.any(Number));
    expect(turn.totalMs).toEqual(expect.any(Number));
    const all = lines.join('\n');
    expect(all).not.toContain(discord.botToken);
    expect(all).not.toContain(SECRET_KEY);
    expect(all).not.toContain('private diary');
  });

  it('tells a user who sends too fast when to try again', async () => {
    h = await start({ env: { USER_MESSAGES_PER_MINUTE: '2' } });
    const { discord, openai } = h;
    const asked = discord.sendMessage({ content: 'one', mentionsBot: true });
    const thread = await discord.waitForThread({ fromMessageId: asked.id });
    await waitForAnswer(discord, thread.id);
    discord.sendMessage({ channelId: thread.id, content: 'two' });
    await waitForAnswer(discord, thread.id, { atLeast: 2 });
    discord.sendMessage({ channelId: thread.id, content: 'three' });
    await waitForAnswer(discord, thread.id, { atLeast: 3 });
    expect(discord.botMessagesIn(thread.id).at(-1)!.current.content).toMatch(
      /limit: 2 per minute\)\. Please try again in \d+ s/,
    );
    expect(openai.chatRequests()).toHaveLength(2);
  });

  it("refuses turns once the server's daily token cap is used, saying when it resets", async () => {
    h = await start({ env: { GUILD_DAILY_TOKENS: '10' } });
    const { discord, openai } = h;
    const asked = discord.sendMessage({ content: 'first uses up the cap', mentionsBot: true });
    const thread = await discord.waitForThread({ fromMessageId: asked.id });
    await waitForAnswer(discord, thread.id);
    discord.sendMessage({ channelId: thread.id, content: 'second' });
    await waitForAnswer(discord, thread.id, { atLeast: 2 });
    expect(visibleText(discord, thread.id)).toMatch(
      /daily allowance of 10 tokens\. It resets at midnight UTC \(in \d+/,
    );
    expect(openai.chatRequests()).toHaveLength(1);
  });
});

describe('the bot process (npm start path)', () => {
  const children: ChildProcess[] = [];
  let discord: FakeDiscord | undefined;
  let openai: FakeOpenAI | undefined;
  let temp: ReturnType<typeof makeTempDir> | undefined;
  afterEach(async () => {
    for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await openai?.close();
    await discord?.close();
    temp?.remove();
    discord = openai = temp = undefined;
    assertNoViolations();
  });

  function startProcess(env: Record<string, string>): {
    child: ChildProcess;
    output: () => string;
    exited: Promise<number | null>;
  } {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      cwd: ROOT,
      // Only what we pass: no .env of the developer's, no inherited secrets.
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString('utf8')));
    child.stderr!.on('data', (d: Buffer) => (out += d.toString('utf8')));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    return { child, output: () => out, exited };
  }

  it('exits non-zero with one clear line per configuration problem and no secret', async () => {
    const run = startProcess({ OPENAI_API_KEY: SECRET_KEY, OPENAI_RPM: 'many', DATABASE_URL: 'nowhere' });
    const code = await Promise.race([
      run.exited,
      new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 20_000)),
    ]);
    expect(code).toBe(1);
    const lines = run.output().trim().split('\n');
    expect(lines).toEqual([
      'DISCORD_TOKEN: is required',
      expect.stringMatching(/^OPENAI_RPM: must be a whole number/),
      expect.stringMatching(/^DATABASE_URL: must be a URL/),
    ]);
    expect(run.output()).not.toContain(SECRET_KEY);
  });

  it('on SIGTERM finishes the answer in progress, exits cleanly, and a new process continues the thread', async () => {
    temp = makeTempDir('bot-proc-');
    discord = await startFakeDiscord();
    openai = await startFakeOpenAI({
      answer: (b) => `Echo ${String(b.messages.at(-1)?.content)} ${'slowly '.repeat(20)}`,
      tokensPerSecond: 20,
      chunkTokens: 1,
    });
    const env = {
      DISCORD_TOKEN: discord.botToken,
      DISCORD_API_BASE: discord.apiUrl,
      OPENAI_API_KEY: SECRET_KEY,
      OPENAI_BASE_URL: openai.url,
      DATABASE_URL: sqliteUrl(temp.dir),
      EDIT_INTERVAL_MS: '250',
      LOG_LEVEL: 'info',
    };
    const first = startProcess(env);
    await discord.waitFor(() => first.output().includes('bot ready'), {
      timeoutMs: 20_000,
      description: 'the bot process to be ready',
    });
    const asked = discord.sendMessage({ content: 'hello process', mentionsBot: true });
    const thread = await discord.waitForThread({ fromMessageId: asked.id }, 10_000);
    // Mid-stream: the answer is visible but not finished.
    await discord.waitFor(() => discord!.botMessagesIn(thread.id).some((m) => m.current.content.includes('▌')), 10_000);
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    const finished = discord.botMessagesIn(thread.id);
    expect(finished).toHaveLength(1);
    expect(finished[0]!.current.content).toMatch(/^Echo hello process (slowly ){19}slowly$/);

    const second = startProcess(env);
    await discord.waitFor(() => second.output().includes('bot ready'), {
      timeoutMs: 20_000,
      description: 'the restarted bot to be ready',
    });
    discord.sendMessage({ channelId: thread.id, content: 'still there?' });
    await waitForAnswer(discord, thread.id, { atLeast: 2, timeoutMs: 20_000 });
    expect(transcript(openai.chatRequests().at(-1)!.body).slice(1, 3)).toEqual([
      'user: hello process',
      expect.stringMatching(/^assistant: Echo hello process/),
    ]);
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
    expect(first.output() + second.output()).not.toContain(SECRET_KEY);
  });
});
