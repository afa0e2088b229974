// B6's bot process. Plain JavaScript on purpose: `node --expose-gc bench/lib/b6Child.mjs` runs the compiled bot
// (dist/, as `npm start` does) with no TypeScript loader in its RSS; the baseline run adds `--import tsx` and
// B6_ENTRY=src. The parent drives it over IPC: snapshot, soak, stop. Nothing here logs message text.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const mb = (bytes) => Math.round((bytes / 1_048_576) * 10) / 10;
const gc = globalThis.gc;
let peakRss = 0;
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage.rss());
}, 50);
const snapshot = () => {
  gc?.();
  gc?.();
  const m = process.memoryUsage();
  const out = {
    rssMb: mb(m.rss),
    heapUsedMb: mb(m.heapUsed),
    heapTotalMb: mb(m.heapTotal),
    externalMb: mb(m.external),
    arrayBuffersMb: mb(m.arrayBuffers),
    peakRssMb: mb(Math.max(peakRss, m.rss)),
  };
  peakRss = 0;
  return out;
};

const root = process.env.B6_ROOT;
const entry = process.env.B6_ENTRY === 'src' ? { dir: root, ext: 'ts' } : { dir: join(root, 'dist'), ext: 'js' };
const load = (path) => import(pathToFileURL(join(entry.dir, `${path}.${entry.ext}`)).href);

const runtime = snapshot();
const { startBot } = await load('src/app');
const { loadConfig } = await load('src/config/config');
const { silentLogger } = await load('src/log');
const { warmUpTokenizer } = await load('src/tokens/tokenCounter');
const { ConversationService } = await load('src/conversation/conversationService');
const { createModelClient } = await load('src/llm/modelClient');
const { EditBudget } = await load('src/render/editBudget');
const modules = snapshot();
warmUpTokenizer();
const tokenizer = snapshot();
const config = loadConfig(JSON.parse(process.env.B6_BOT_ENV));
const bot = await startBot(config, silentLogger());
const idle = snapshot();
process.send({ type: 'ready', snapshots: { runtime, modules, tokenizer, idle }, gcAvailable: gc !== undefined });

/** Null Discord: what the soak measures is the turn path (prompt, model stream, render, store), not REST pacing. */
const nullSink = () => {
  let next = 0;
  return { send: async () => `m${next++}`, edit: async () => undefined, typing: async () => undefined };
};

/**
 * `turns` turns, `concurrency` at a time, each in a thread of its own among the stored ones, through a
 * ConversationService built like the bot's on the bot's own store, with an unthrottled write budget.
 */
async function soak({ turns, checkpoint, concurrency, threadIds, guildId, channelId }) {
  const model = createModelClient({
    config: config.openai,
    maxCompletionTokens: config.maxCompletionTokens,
    usage: bot.store,
    logger: silentLogger(),
  });
  const budget = new EditBudget({ perSecond: 100_000 });
  const service = new ConversationService({
    store: bot.store,
    model,
    logger: silentLogger(),
    editBudget: budget,
    botUserId: () => bot.client.user.id,
    settings: {
      ...config,
      model: config.openai.model,
      models: [config.openai.model],
      attachmentHostBase: config.discord.apiBase,
    },
  });
  const outcomes = {};
  const marks = {};
  let started = 0;
  let done = 0;
  const worker = async () => {
    for (let i = started++; i < turns; i = started++) {
      const threadId = threadIds[i % threadIds.length];
      const outcome = await service.answer(
        {
          threadId,
          guildId,
          channelId,
          userId: `12${String(i).padStart(16, '0')}`,
          content: `Soak question ${i}: what about the retries?`,
        },
        nullSink(),
      );
      outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
      done++;
      if (done === checkpoint) marks.checkpoint = snapshot();
    }
  };
  const began = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  marks.end = snapshot();
  await service.close(5_000);
  budget.dispose();
  await model.close?.();
  return { outcomes, marks, seconds: (performance.now() - began) / 1_000 };
}

process.on('message', (message) => {
  const reply = (payload) => process.send({ id: message.id, ...payload });
  if (message.type === 'snapshot') reply({ snapshot: snapshot() });
  else if (message.type === 'soak')
    soak(message).then(
      (result) => reply(result),
      (error) => reply({ error: String(error?.stack ?? error) }),
    );
  else if (message.type === 'stop') {
    clearInterval(sampler);
    bot.stop(5_000).finally(() => process.exit(0));
  }
});
