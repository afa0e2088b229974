import { Tiktoken, type TiktokenBPE } from 'js-tiktoken/lite';

type RankMap = Map<string, number>;

/**
 * A Tiktoken that can count but not decode, built with about half the memory. The stock constructor also keeps a
 * Uint8Array per token for decode() (≈ 45 MB heap for o200k) and parses through a 200k-key temporary object whose
 * garbage leaves RSS high; counting needs only the rank map, which we fill line by line into the encoder itself.
 * Falls back to the stock constructor if a js-tiktoken release stops keeping its ranks in `rankMap`.
 */
export function buildCountingEncoder(ranks: TiktokenBPE): Tiktoken {
  const encoder = new Tiktoken({ ...ranks, bpe_ranks: '' });
  const rankMap = (encoder as unknown as { rankMap?: unknown }).rankMap;
  if (!(rankMap instanceof Map) || rankMap.size !== 0) return new Tiktoken(ranks);
  fillRanks(rankMap as RankMap, ranks.bpe_ranks);
  return encoder;
}

/** `bpe_ranks` is lines of `! <first rank> <base64 token> <base64 token> …`; keys are the bytes joined by commas. */
function fillRanks(rankMap: RankMap, bpeRanks: string): void {
  let position = 0;
  while (position < bpeRanks.length) {
    let end = bpeRanks.indexOf('\n', position);
    if (end < 0) end = bpeRanks.length;
    const fields = bpeRanks.slice(position, end).split(' ');
    position = end + 1;
    const first = Number.parseInt(fields[1] ?? '', 10);
    if (Number.isNaN(first)) continue;
    for (let i = 2; i < fields.length; i++) {
      rankMap.set(Buffer.from(fields[i] ?? '', 'base64').join(','), first + i - 2);
    }
  }
}
