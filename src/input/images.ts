/**
 * Turn an uploaded image into what the model will see: real type from the bytes (PNG, JPEG, WebP, GIF — first
 * frame), pixel count bounded before decoding, oriented, resized for the detail level and re-encoded as JPEG.
 *
 * Why JPEG: every OpenAI-compatible server decodes it (llama.cpp's stb_image has no WebP), and for screenshots and
 * photos at ≤ 2048 px it is several times smaller than PNG. Chroma is kept at full resolution (4:4:4) so coloured
 * text in screenshots stays sharp; transparency is flattened onto white, where dark text on a clear background
 * stays readable.
 */
import type Sharp from 'sharp';
import { attachmentStrings } from '../strings.js';
import { AttachmentError } from './attachmentError.js';
import type { ImageMime, ImagePart } from './contentParts.js';
import { imageBlobId } from './contentParts.js';
import { imageTokens, modelImageSize } from './imageTokens.js';
import type { ImageDetail } from './imageTokens.js';

/** Largest source image we decode (a 50 MP phone photo fits; a decompression bomb does not). */
export const DEFAULT_MAX_INPUT_PIXELS = 50_000_000;
const JPEG_QUALITY = 85;

export type SniffedImage = 'png' | 'jpeg' | 'webp' | 'gif';

const startsWith = (bytes: Uint8Array, signature: readonly number[], offset = 0): boolean =>
  bytes.length >= offset + signature.length && signature.every((b, i) => bytes[offset + i] === b);
const ascii = (text: string): number[] => [...text].map((c) => c.charCodeAt(0));

/** The image type the bytes really are (magic numbers), whatever the name or declared type says. */
export function sniffImage(bytes: Uint8Array): SniffedImage | undefined {
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'png';
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return 'jpeg';
  if (startsWith(bytes, ascii('GIF87a')) || startsWith(bytes, ascii('GIF89a'))) return 'gif';
  if (startsWith(bytes, ascii('RIFF')) && startsWith(bytes, ascii('WEBP'), 8)) return 'webp';
  return undefined;
}

export interface PrepareImageOptions {
  readonly detail: ImageDetail;
  readonly maxInputPixels?: number;
}

// sharp (libvips, ~18 MB RSS) loads with the first image, not at start: most processes rarely see one.
let sharpModule: Promise<typeof Sharp> | undefined;
const loadSharp = () => (sharpModule ??= import('sharp').then((m) => m.default));

/** The resized, re-encoded image as a content part (bytes included), or an AttachmentError with the notice. */
export async function prepareImage(name: string, bytes: Uint8Array, options: PrepareImageOptions): Promise<ImagePart> {
  const maxPixels = options.maxInputPixels ?? DEFAULT_MAX_INPUT_PIXELS;
  if (sniffImage(bytes) === undefined) {
    throw new AttachmentError('undecodable-image', attachmentStrings.undecodableImage(name));
  }
  // pages: 1 = first frame of a GIF/animated WebP; failOn 'warning' refuses truncated or damaged data.
  const input = { limitInputPixels: maxPixels, pages: 1, failOn: 'warning' } as const;
  const sharp = await loadSharp();
  // Reading the header decodes no pixels, so it may run unbounded and report the real size of a bomb.
  const meta = await sharp(bytes, { ...input, limitInputPixels: false })
    .metadata()
    .catch((error: unknown) => {
      throw new AttachmentError('undecodable-image', attachmentStrings.undecodableImage(name), { cause: error });
    });
  const { width, height } = meta.autoOrient;
  if (!width || !height) throw new AttachmentError('undecodable-image', attachmentStrings.undecodableImage(name));
  // The header alone tells the pixel count: refuse a bomb before a single pixel is decoded.
  if (width * height > maxPixels) {
    const megapixels = Math.floor(maxPixels / 1_000_000);
    throw new AttachmentError('image-too-large', attachmentStrings.imageTooLarge(name, width, height, megapixels));
  }
  const target = modelImageSize({ width, height }, options.detail);
  const { data, info } = await sharp(bytes, input)
    .rotate()
    .resize(target.width, target.height, { fit: 'fill' })
    .flatten({ background: '#ffffff' })
    .jpeg({ quality: JPEG_QUALITY, chromaSubsampling: '4:4:4' })
    .toBuffer({ resolveWithObject: true })
    .catch((error: unknown) => {
      throw new AttachmentError('undecodable-image', attachmentStrings.undecodableImage(name), { cause: error });
    });
  const mime: ImageMime = 'image/jpeg';
  const encoded = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return {
    type: 'image',
    name,
    mime,
    width: info.width,
    height: info.height,
    detail: options.detail,
    tokens: imageTokens({ width: info.width, height: info.height }, options.detail),
    blobId: imageBlobId(encoded),
    byteLength: encoded.byteLength,
    bytes: encoded,
  };
}
