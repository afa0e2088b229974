/** Real images made with sharp for tests (and a hand-patched PNG header for a decompression bomb). */
import { crc32 } from 'node:zlib';
import sharp from 'sharp';

export type Rgb = { readonly r: number; readonly g: number; readonly b: number };
const RED: Rgb = { r: 220, g: 30, b: 40 };

interface MakeOptions {
  readonly background?: Rgb & { readonly alpha?: number };
  /** Gaussian noise so the image compresses like a photo rather than a flat colour. */
  readonly noisy?: boolean;
}

function base(width: number, height: number, options: MakeOptions = {}): sharp.Sharp {
  if (options.noisy) {
    // Noise at a tenth of the size, scaled up: photo-like detail without the cost of generating every pixel.
    const small = { width: Math.max(1, Math.ceil(width / 10)), height: Math.max(1, Math.ceil(height / 10)) };
    const noise = { type: 'gaussian', mean: 128, sigma: 40 } as const;
    return sharp({ create: { ...small, channels: 3, background: '#808080', noise } }).resize(width, height, {
      kernel: 'nearest',
    });
  }
  const bg: Rgb & { readonly alpha?: number } = options.background ?? RED;
  const channels = bg.alpha !== undefined ? 4 : 3;
  return sharp({
    create: { width, height, channels, background: { r: bg.r, g: bg.g, b: bg.b, alpha: bg.alpha ?? 1 } },
  });
}

export const pngOf = (w: number, h: number, o?: MakeOptions): Promise<Buffer> => base(w, h, o).png().toBuffer();
export const jpegOf = (w: number, h: number, o?: MakeOptions): Promise<Buffer> => base(w, h, o).jpeg().toBuffer();
export const webpOf = (w: number, h: number, o?: MakeOptions): Promise<Buffer> => base(w, h, o).webp().toBuffer();

/** A JPEG whose EXIF says "rotate 90° clockwise" (orientation 6): displayed h×w. */
export const rotatedJpegOf = (w: number, h: number): Promise<Buffer> =>
  base(w, h).jpeg().withMetadata({ orientation: 6 }).toBuffer();

/** An animated GIF whose frames are the given colours (first frame first). */
export async function animatedGifOf(w: number, h: number, colours: readonly Rgb[]): Promise<Buffer> {
  const frames = await Promise.all(colours.map((c) => base(w, h, { background: c }).png().toBuffer()));
  return sharp(frames, { join: { animated: true } })
    .gif({ delay: 100 })
    .toBuffer();
}

/**
 * A tiny real PNG whose header claims `width`×`height` (CRC fixed up): what an image bomb looks like before
 * decoding — a few hundred bytes that would expand to gigabytes of pixels.
 */
export async function pngBomb(width: number, height: number): Promise<Buffer> {
  const png = Buffer.from(await pngOf(64, 64));
  // Signature (8) + IHDR length (4) + "IHDR" (4), then width and height, then the rest of IHDR and its CRC.
  png.writeUInt32BE(width, 16);
  png.writeUInt32BE(height, 20);
  png.writeUInt32BE(crc32(png.subarray(12, 29)), 29);
  return png;
}

/** Mean RGB of a decoded image (to check what a frame or a flattened background looks like). */
export async function meanColour(bytes: Uint8Array): Promise<Rgb> {
  const { channels } = await sharp(bytes).stats();
  const [r, g, b] = channels.map((c) => Math.round(c.mean));
  return { r: r ?? 0, g: g ?? 0, b: b ?? 0 };
}
