/** What the o200k tokenizer costs: each encoder built in a fresh `node --expose-gc`, RSS/heap before and after. */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export interface TokenizerCost {
  /** As the bot builds it (counting only). */
  lean: { rssMb: number; heapMb: number };
  /** js-tiktoken's stock constructor (keeps a decode table too). */
  stock: { rssMb: number; heapMb: number };
}

function measure(root: string, build: 'lean' | 'stock'): { rssMb: number; heapMb: number } {
  const lean = pathToFileURL(join(root, 'dist/src/tokens/leanEncoder.js')).href;
  const script = `
    const snap = () => { gc(); gc(); const m = process.memoryUsage(); return [m.rss, m.heapUsed]; };
    const { Tiktoken } = await import('js-tiktoken/lite');
    const { default: ranks } = await import('js-tiktoken/ranks/o200k_base');
    const { buildCountingEncoder } = await import(${JSON.stringify(lean)});
    const before = snap();
    const encoder = ${build === 'lean' ? 'buildCountingEncoder(ranks)' : 'new Tiktoken(ranks)'};
    encoder.encode('warm up', [], []);
    const after = snap();
    process.stdout.write(JSON.stringify([after[0] - before[0], after[1] - before[1]]));`;
  const out = execFileSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', script], { cwd: root });
  const [rss, heap] = JSON.parse(out.toString()) as [number, number];
  const mb = (bytes: number) => Math.round((bytes / 1_048_576) * 10) / 10;
  return { rssMb: mb(rss), heapMb: mb(heap) };
}

export const tokenizerCost = (root: string): TokenizerCost => ({
  lean: measure(root, 'lean'),
  stock: measure(root, 'stock'),
});
