import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { startBot } from '../../src/app.js';
import { createLogger, silentLogger } from '../../src/log.js';
import { turnText } from '../../src/store/types.js';
import { sqliteOf } from '../integration/store/sqliteFaults.js';
import { harnessPerTest } from './harness.js';
import { waitForAnswer } from './waitForAnswer.js';

const ANSWER_TEXT = 'the undeliverable secret answer text';

function captureLogs() {
  const lines: string[] = [];
  const sink = new PassThrough();
  sink.on('data', (chunk: Buffer) => lines.push(...chunk.toString('utf8').split('\n').filter(Boolean)));
  return { lines, logger: createLogger('info', sink) };
}

describe('failures the operator must notice', () => {
  const start = harnessPerTest();

  it('stops with one fatal line when Discord rejects the bot token, instead of running mute', async () => {
    const { lines, logger } = captureLogs();
    const fatal: string[] = [];
    const h = await start({ logger, bot: { onFatal: (reason) => fatal.push(reason) } });
    const asked = h.discord.sendMessage({ content: 'first', mentionsBot: true });
    const thread = await h.discord.waitForThread({ fromMessageId: asked.id });
    await waitForAnswer(h.discord, thread.id);
    expect(fatal).toEqual([]);

    h.discord.revokeBotToken();
    h.discord.sendMessage({ channelId: thread.id, content: 'second' });
    await h.discord.waitFor(() => fatal.length > 0, { timeoutMs: 10_000, description: 'the fatal callback' });
    expect(fatal).toHaveLength(1);
    expect(fatal[0]).toMatch(/Discord rejected the bot token \(HTTP 401/);
    const fatalLines = lines.filter((l) => l.includes('"level":60'));
    expect(fatalLines).toHaveLength(1);
    expect(fatalLines[0]).not.toContain(h.discord.botToken);
  });

  it('refuses to start a second process on the same database, naming the cause', async () => {
    const h = await start();
    await expect(startBot(h.config, silentLogger())).rejects.toThrow(
      /another bot process is already running with this database \(lease bot held by .+, expires in \d+ s\)/,
    );
    // The first bot still answers.
    const asked = h.discord.sendMessage({ content: 'still here?', mentionsBot: true });
    const thread = await h.discord.waitForThread({ fromMessageId: asked.id });
    await waitForAnswer(h.discord, thread.id);
  });

  it('keeps answer text out of the log when an answer cannot be delivered', async () => {
    const { lines, logger } = captureLogs();
    const h = await start({ logger, openai: { answer: () => ANSWER_TEXT, timeToFirstTokenMs: 400 } });
    const asked = h.discord.sendMessage({ content: 'ask something', mentionsBot: true });
    const thread = await h.discord.waitForThread({ fromMessageId: asked.id });
    // The thread exists; a moderator locks it before the answer comes, so the answer fails on Discord's side.
    h.discord.setBotRolePermissions(0n);
    h.discord.archiveThread(thread.id, { locked: true });
    await h.discord.waitFor(() => lines.some((l) => l.includes('"msg":"turn"')), {
      timeoutMs: 10_000,
      description: 'turn log',
    });
    const turn = JSON.parse(lines.find((l) => l.includes('"msg":"turn"'))!) as Record<string, unknown>;
    expect(turn.outcome).toBe('undelivered');
    expect(lines.some((l) => l.includes('could not be delivered'))).toBe(true);
    const all = lines.join('\n');
    // What the bot tried to post (the first words and the streaming cursor) appears nowhere, nor the request body.
    expect(all).not.toContain('▌');
    expect(all).not.toContain('requestBody');
    expect(all).not.toContain('undeliverable');
  });
});

describe('an exchange that could not be saved', () => {
  const start = harnessPerTest();

  it('says so in the thread with the cause, and the history holds only what was saved', async () => {
    const long = 'x'.repeat(1_500);
    const h = await start({ openai: { answer: (body) => `${long} ${String(body.messages.at(-1)?.content)}` } });
    const asked = h.discord.sendMessage({ content: 'first question', mentionsBot: true });
    const thread = await h.discord.waitForThread({ fromMessageId: asked.id });
    await waitForAnswer(h.discord, thread.id);
    const db = sqliteOf(h.bot.store);
    const [pages] = await db.query('PRAGMA page_count');
    await db.query(`PRAGMA max_page_count = ${Number(pages?.page_count)}`);

    h.discord.sendMessage({ channelId: thread.id, content: 'second question' });
    await h.discord.waitFor(
      () => h.discord.botMessagesIn(thread.id).some((m) => m.current.content.includes('database is full')),
      { timeoutMs: 10_000, description: 'the not-saved notice' },
    );
    const meta = await h.bot.store.getThread(thread.id);
    const turns = await h.bot.store.getTurns(meta!, 0, meta!.turnCount);
    expect(turns.map((t) => turnText(t).slice(-20))).toEqual(['first question', `${'x'.repeat(5)} first question`]);
  });
});
