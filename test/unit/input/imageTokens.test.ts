import { describe, expect, it } from 'vitest';
import { imageTokens, modelImageSize } from '../../../src/input/imageTokens.js';

describe('image token cost by OpenAI tile formula', () => {
  // [width, height, size the model sees at high, tokens at high]
  const table: ReadonlyArray<readonly [number, number, readonly [number, number], number]> = [
    [1024, 1024, [768, 768], 765], // OpenAI's worked example: 4 tiles
    [2048, 4096, [768, 1536], 1105], // fit 1024×2048, short side to 768: 2×3 tiles
    [3000, 2000, [1152, 768], 1105], // 3×2 tiles
    [4000, 3000, [1024, 768], 765], // a 12-megapixel photo: 2×2 tiles
    [512, 512, [512, 512], 255], // one tile, never scaled up
    [100, 50, [100, 50], 255],
    [513, 100, [513, 100], 425], // just over one tile wide: 2 tiles
    [1920, 1080, [1365, 768], 1105],
    [10000, 100, [2048, 20], 765], // a long strip: fit 2048 first, the short side is already small
  ];
  it.each(table)('%i×%i at high → seen as %j, %i tokens', (width, height, seen, tokens) => {
    expect(modelImageSize({ width, height }, 'high')).toEqual({ width: seen[0], height: seen[1] });
    expect(imageTokens({ width, height }, 'high')).toBe(tokens);
  });

  it('costs a flat 85 tokens at low detail, whatever the size, and is seen within 512×512', () => {
    for (const [width, height] of [
      [4000, 3000],
      [100, 100],
      [600, 2000],
    ] as const) {
      expect(imageTokens({ width, height }, 'low')).toBe(85);
      const seen = modelImageSize({ width, height }, 'low');
      expect(Math.max(seen.width, seen.height)).toBeLessThanOrEqual(512);
    }
    expect(modelImageSize({ width: 4000, height: 3000 }, 'low')).toEqual({ width: 512, height: 384 });
  });
});
