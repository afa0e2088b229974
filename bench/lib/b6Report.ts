/** B6's settings, what one bot process measured, and the rows it becomes. */
import type { Row } from './report.js';
import type { TokenizerCost } from './b6Tokenizer.js';

export interface B6Settings {
  storedThreads: number;
  turnsPerThread: number;
  activeConversations: number;
  answerTokens: number;
  tokensPerSecond: number;
  soakTurns: number;
  soakCheckpoint: number;
  targetRssMb: number;
  childTimeoutMs: number;
}

export interface Snapshot {
  rssMb: number;
  heapUsedMb: number;
  heapTotalMb: number;
  externalMb: number;
  arrayBuffersMb: number;
  /** Highest RSS sampled every 50 ms (no forced GC) since the previous snapshot. */
  peakRssMb: number;
}

export interface BotRun {
  variant: 'compiled' | 'tsx';
  gcAvailable: boolean;
  /** Node (+ tsx for the baseline) before the bot's modules. */
  runtime: Snapshot;
  modules: Snapshot;
  tokenizer: Snapshot;
  /** Logged in to the fake Discord, store open. */
  idle: Snapshot;
  stored: Snapshot;
  active: Snapshot;
  after: Snapshot;
  fillMs: number;
  streamingAtSnapshot: number;
  allStreaming: boolean;
  finished: boolean;
  soak?: {
    outcomes: Record<string, number>;
    marks: { checkpoint?: Snapshot; end?: Snapshot };
    seconds: number;
    error?: string;
  };
}

export function b6Rows(s: B6Settings, bot: BotRun, base: BotRun, tok: TokenizerCost): Row[] {
  const name = `${s.storedThreads.toLocaleString('en-US')} stored / ${s.activeConversations} streaming`;
  const gc = bot.gcAvailable ? 'after forced GC' : 'gc() unavailable';
  const vs = 'baseline: the same bot from src/ through tsx';
  const target = `≤ ${s.targetRssMb} MB`;
  const soak = bot.soak;
  const first = soak?.marks.checkpoint?.rssMb ?? null;
  const last = soak?.marks.end?.rssMb ?? null;
  return [
    {
      id: 'B6',
      case: `idle bot (logged in, ${s.storedThreads.toLocaleString('en-US')} threads stored)`,
      metric: 'RSS',
      unit: 'MB',
      value: bot.stored.rssMb,
      baseline: base.stored.rssMb,
      note:
        `${gc}; ${vs}. node ${bot.runtime.rssMb} MB → modules (discord.js, openai, keyv…) ${bot.modules.rssMb} MB ` +
        `→ tokenizer ${bot.tokenizer.rssMb} MB → logged in; heap ${bot.stored.heapUsedMb} MB (tsx: node+loader ` +
        `${base.runtime.rssMb}, modules ${base.modules.rssMb} MB, heap ${base.stored.heapUsedMb} MB); SQLite filled ` +
        `(${s.turnsPerThread} turns/thread) in ${(bot.fillMs / 1000).toFixed(1)} s`,
    },
    {
      id: 'B6',
      case: 'o200k tokenizer (built once, shared)',
      metric: 'RSS added',
      unit: 'MB',
      value: tok.lean.rssMb,
      baseline: tok.stock.rssMb,
      note:
        `fresh process each; heap +${tok.lean.heapMb} MB counting-only vs +${tok.stock.heapMb} MB with ` +
        `js-tiktoken's stock constructor (baseline), which also keeps a decode table`,
    },
    {
      id: 'B6',
      case: name,
      metric: 'RSS, all streaming',
      unit: 'MB',
      value: bot.active.rssMb,
      baseline: base.active.rssMb,
      target,
      met: bot.active.rssMb <= s.targetRssMb,
      note:
        `${gc}; ${bot.streamingAtSnapshot} of ${s.activeConversations} model streams open at the snapshot ` +
        `(each member asking in a thread of their own through the fake Discord); heap ${bot.active.heapUsedMb} MB` +
        ` (tsx ${base.active.heapUsedMb} MB)`,
    },
    {
      id: 'B6',
      case: name,
      metric: 'peak RSS while streaming',
      unit: 'MB',
      value: Math.max(bot.active.peakRssMb, bot.after.peakRssMb),
      baseline: Math.max(base.active.peakRssMb, base.after.peakRssMb),
      target,
      met: Math.max(bot.active.peakRssMb, bot.after.peakRssMb) <= s.targetRssMb,
      note:
        `sampled every 50 ms, no forced GC; all answered: ${bot.finished ? 'yes' : 'NO'} (tsx ` +
        `${base.finished ? 'yes' : 'NO'}); after the answers ${bot.after.rssMb} MB (tsx ${base.after.rssMb} MB)`,
    },
    {
      id: 'B6',
      case: `soak: ${s.soakTurns.toLocaleString('en-US')} turns`,
      metric: `RSS after ${s.soakTurns}`,
      unit: 'MB',
      value: last,
      baseline: first,
      target: '≤ 1.1 × after the first 500',
      met: first !== null && last !== null ? last <= 1.1 * first : null,
      note:
        soak?.error ??
        `baseline: RSS after the first ${s.soakCheckpoint} turns, same process; ${gc}; ` +
          `outcomes ${JSON.stringify(soak?.outcomes ?? {})} in ${(soak?.seconds ?? 0).toFixed(1)} s; heap ` +
          `${soak?.marks.checkpoint?.heapUsedMb} → ${soak?.marks.end?.heapUsedMb} MB; one thread per turn`,
    },
  ];
}
