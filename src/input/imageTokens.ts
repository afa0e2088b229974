/**
 * What a gpt-4o-family model sees of an image, and what it costs (PLATFORM.md, OpenAI's vision guide):
 * `low` = a 512 px thumbnail for a flat 85 tokens; `high` = fit in 2048×2048, then the short side down to 768,
 * then 170 tokens per 512-px tile plus 85. Images are only ever scaled down, never up.
 */
export type ImageDetail = 'low' | 'high';

export const LOW_DETAIL_TOKENS = 85;
const TILE_TOKENS = 170;
const TILE_PX = 512;
const HIGH_FIT_PX = 2048;
const HIGH_SHORT_SIDE_PX = 768;
const LOW_FIT_PX = 512;

export interface Size {
  readonly width: number;
  readonly height: number;
}

/** Scale (down only) so both sides fit in `box`; at least 1 px per side. */
function fitInside(size: Size, box: number): Size {
  const scale = Math.min(1, box / size.width, box / size.height);
  return { width: Math.max(1, Math.round(size.width * scale)), height: Math.max(1, Math.round(size.height * scale)) };
}

/** The size the model works from at this detail level: what we resize to before sending. */
export function modelImageSize(size: Size, detail: ImageDetail): Size {
  if (detail === 'low') return fitInside(size, LOW_FIT_PX);
  const fitted = fitInside(size, HIGH_FIT_PX);
  const scale = Math.min(1, HIGH_SHORT_SIDE_PX / Math.min(fitted.width, fitted.height));
  return {
    width: Math.max(1, Math.round(fitted.width * scale)),
    height: Math.max(1, Math.round(fitted.height * scale)),
  };
}

/** Prompt tokens one image costs at this detail level. */
export function imageTokens(size: Size, detail: ImageDetail): number {
  if (detail === 'low') return LOW_DETAIL_TOKENS;
  const seen = modelImageSize(size, detail);
  const tiles = Math.ceil(seen.width / TILE_PX) * Math.ceil(seen.height / TILE_PX);
  return tiles * TILE_TOKENS + LOW_DETAIL_TOKENS;
}
