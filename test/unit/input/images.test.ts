import { monitorEventLoopDelay } from 'node:perf_hooks';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { AttachmentError } from '../../../src/input/attachmentError.js';
import { prepareImage, sniffImage } from '../../../src/input/images.js';
import { animatedGifOf, jpegOf, meanColour, pngBomb, pngOf, rotatedJpegOf, webpOf } from '../../helpers/testImages.js';

async function refusal(promise: Promise<unknown>): Promise<AttachmentError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof AttachmentError)) throw new Error(`expected an AttachmentError, got ${String(error)}`);
  return error;
}

describe('prepareImage: what the model sees', () => {
  it('resizes a 3000×2000 PNG to 1152×768 JPEG at high detail and counts 1105 tokens', async () => {
    const original = await pngOf(3000, 2000, { noisy: true });
    const part = await prepareImage('screen.png', original, { detail: 'high' });

    expect(part).toMatchObject({
      type: 'image',
      mime: 'image/jpeg',
      width: 1152,
      height: 768,
      tokens: 1105,
      detail: 'high',
    });
    const decoded = await sharp(part.bytes).metadata();
    expect([decoded.format, decoded.width, decoded.height]).toEqual(['jpeg', 1152, 768]);
    expect(part.byteLength).toBe(part.bytes?.byteLength);
    expect(part.byteLength).toBeLessThan(original.byteLength);
    expect(part.blobId).toMatch(/^[0-9a-f]{64}$/);
  });

  it('fits in 512×512 for 85 tokens at low detail', async () => {
    const part = await prepareImage('photo.jpg', await jpegOf(3000, 2000), { detail: 'low' });
    expect([part.width, part.height, part.tokens]).toEqual([512, 341, 85]);
  });

  it('never scales a small image up', async () => {
    const part = await prepareImage('icon.png', await pngOf(100, 50), { detail: 'high' });
    expect([part.width, part.height, part.tokens]).toEqual([100, 50, 255]);
  });

  it('reads PNG, JPEG, WebP and GIF, deciding the type from the bytes rather than the name', async () => {
    const inputs = [
      await pngOf(40, 30),
      await jpegOf(40, 30),
      await webpOf(40, 30),
      await animatedGifOf(40, 30, [
        { r: 0, g: 0, b: 255 },
        { r: 0, g: 255, b: 0 },
      ]),
    ];
    expect(inputs.map((bytes) => sniffImage(bytes))).toEqual(['png', 'jpeg', 'webp', 'gif']);
    for (const bytes of inputs) {
      // Every file is misnamed: the bytes decide.
      const part = await prepareImage('misnamed.txt', bytes, { detail: 'high' });
      expect([part.mime, part.width, part.height]).toEqual(['image/jpeg', 40, 30]);
    }
    expect(sniffImage(new TextEncoder().encode('GIF is a format'))).toBeUndefined();
  });

  it('takes the first frame of an animated GIF', async () => {
    const gif = await animatedGifOf(64, 64, [
      { r: 250, g: 0, b: 0 },
      { r: 0, g: 0, b: 250 },
      { r: 0, g: 250, b: 0 },
    ]);
    expect((await sharp(gif, { animated: true }).metadata()).pages).toBe(3);
    const part = await prepareImage('anim.gif', gif, { detail: 'high' });
    expect(part.height).toBe(64);
    const colour = await meanColour(part.bytes ?? new Uint8Array());
    expect(colour.r).toBeGreaterThan(200);
    expect(colour.b).toBeLessThan(40);
  });

  it('applies EXIF orientation, so a phone photo is upright', async () => {
    const part = await prepareImage('phone.jpg', await rotatedJpegOf(400, 200), { detail: 'high' });
    expect([part.width, part.height]).toEqual([200, 400]);
  });

  it('puts transparent pixels on white (dark text on a clear background stays readable)', async () => {
    const clear = await pngOf(50, 50, { background: { r: 0, g: 0, b: 0, alpha: 0 } });
    const colour = await meanColour(
      (await prepareImage('logo.png', clear, { detail: 'high' })).bytes ?? new Uint8Array(),
    );
    expect(colour).toEqual({ r: 255, g: 255, b: 255 });
  });
});

describe('prepareImage: bad images get a notice, not a crash', () => {
  it('refuses a decompression bomb from its header, quickly, naming its size', async () => {
    const bomb = await pngBomb(30_000, 30_000);
    expect(bomb.byteLength).toBeLessThan(2_000);
    const started = performance.now();
    const error = await refusal(prepareImage('cat.png', bomb, { detail: 'high' }));
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(error.reason).toBe('image-too-large');
    expect(error.notice).toContain('30000×30000');
    expect(error.notice).toContain('50 megapixels');
  });

  it('honours a smaller configured pixel limit', async () => {
    const error = await refusal(
      prepareImage('big.png', await pngOf(3000, 2000), { detail: 'high', maxInputPixels: 1_000_000 }),
    );
    expect([error.reason, error.notice.includes('1 megapixels')]).toEqual(['image-too-large', true]);
  });

  it('refuses corrupt, truncated and fake images with a notice naming the file', async () => {
    const png = await pngOf(300, 200, { noisy: true });
    const jpeg = await jpegOf(300, 200, { noisy: true });
    const garbage = Buffer.concat([png.subarray(0, 8), Buffer.alloc(500, 7)]);
    const cases = [
      garbage,
      png.subarray(0, png.byteLength / 2),
      jpeg.subarray(0, jpeg.byteLength / 2),
      Buffer.from('not an image'),
    ];
    for (const bytes of cases) {
      const error = await refusal(prepareImage('broken.png', bytes, { detail: 'high' }));
      expect(error.reason).toBe('undecodable-image');
      expect(error.notice).toContain('“broken.png”');
    }
  });
});

describe('prepareImage: cost on the event loop', () => {
  it('prepares a 12-megapixel photo without blocking the event loop for more than 50 ms', async () => {
    const photo = await jpegOf(4000, 3000, { noisy: true });
    const delay = monitorEventLoopDelay({ resolution: 5 });
    delay.enable();
    const part = await prepareImage('photo.jpg', photo, { detail: 'high' });
    delay.disable();
    expect([part.width, part.height, part.tokens]).toEqual([1024, 768, 765]);
    expect(delay.max / 1e6).toBeLessThan(50);
  });
});
