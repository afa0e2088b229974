/**
 * The pieces a user turn is made of once attachments are read: text, images and text files. A stored turn keeps
 * its parts with their token counts; an image part names its bytes by `blobId` (sha256 of the re-encoded image) so
 * the store keeps each image once, as bytes, and the prompt builder asks for them only when it renders a request.
 */
import { createHash } from 'node:crypto';
import type { ChatPart } from '../llm/chatTypes.js';
import { attachmentPromptText } from '../strings.js';
import { countTokens } from '../tokens/tokenCounter.js';
import type { ImageDetail } from './imageTokens.js';

export type ImageMime = 'image/jpeg' | 'image/png' | 'image/webp' | 'image/gif';

export interface TextPart {
  readonly type: 'text';
  readonly text: string;
  /** Content tokens; counted on demand when missing. */
  readonly tokens?: number;
}

export interface ImagePart {
  readonly type: 'image';
  /** The file name the user gave it (for stand-in text and notices). */
  readonly name: string;
  readonly mime: ImageMime;
  /** Size of the resized image we send (what the model sees). */
  readonly width: number;
  readonly height: number;
  readonly detail: ImageDetail;
  /** Prompt tokens by OpenAI's formula for `detail`. */
  readonly tokens: number;
  /** sha256 (hex) of the encoded bytes: the key the bytes are stored under, once. */
  readonly blobId: string;
  readonly byteLength: number;
  /** Present on a freshly read image; `splitForStorage` moves it into a blob. */
  readonly bytes?: Uint8Array;
}

export interface FilePart {
  readonly type: 'file';
  readonly name: string;
  /** The file's text (decoded, BOM removed). */
  readonly text: string;
  /** Tokens of the rendered file (header and footer included). */
  readonly tokens: number;
}

export type ContentPart = TextPart | ImagePart | FilePart;
/** An image part as stored with a turn: everything but the bytes. */
export type StoredImagePart = Omit<ImagePart, 'bytes'>;
export type StoredContentPart = TextPart | StoredImagePart | FilePart;

export interface ImageBlob {
  readonly id: string;
  readonly mime: ImageMime;
  readonly bytes: Uint8Array;
}

/** Looks up stored image bytes; undefined when the blob is gone (the image then renders as a short note). */
export type BlobReader = (blobId: string) => Uint8Array | undefined;

export function imageBlobId(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Parts without bytes (to store with the turn) and the image blobs to store once each. */
export function splitForStorage(parts: readonly ContentPart[]): { parts: StoredContentPart[]; blobs: ImageBlob[] } {
  const blobs = new Map<string, ImageBlob>();
  const stored = parts.map((part): StoredContentPart => {
    if (part.type !== 'image') return part;
    const { bytes, ...rest } = part;
    if (bytes) blobs.set(part.blobId, { id: part.blobId, mime: part.mime, bytes });
    return rest;
  });
  return { parts: stored, blobs: [...blobs.values()] };
}

/** The blob ids a turn refers to (what `/reset` and message deletion must release). */
export function blobIdsOf(parts: readonly StoredContentPart[]): string[] {
  return [...new Set(parts.flatMap((p) => (p.type === 'image' ? [p.blobId] : [])))];
}

export function renderFileText(name: string, text: string): string {
  return `${attachmentPromptText.fileHeader(name)}\n${text}\n${attachmentPromptText.fileFooter(name)}`;
}

/** Content tokens of one part (images: their formula cost; the window treats them like text of that size). */
export function partTokens(part: StoredContentPart): number {
  if (part.type === 'text') return part.tokens ?? countTokens(part.text);
  return part.tokens;
}

export function partsTokens(parts: readonly StoredContentPart[]): number {
  return parts.reduce((sum, part) => sum + partTokens(part), 0);
}

export interface RenderOptions {
  /** Image bytes by blob id (fresh parts that still carry `bytes` need none). */
  readonly blobs?: BlobReader;
  /** False when the model in force can't see images: they become a one-line note. */
  readonly vision: boolean;
}

/**
 * OpenAI message content for a user turn: a plain string when there is no image to show (what every compatible
 * server accepts, and byte-identical to a text-only turn), otherwise an array of text and `image_url` parts with
 * `data:` URLs (remote URLs only work where the server can fetch them).
 */
export function renderContent(
  parts: readonly (ContentPart | StoredContentPart)[],
  options: RenderOptions,
): string | ChatPart[] {
  const rendered = parts.map((part) => renderPart(part, options));
  if (rendered.every((p) => p.type === 'text')) {
    return rendered.map((p) => (p.type === 'text' ? p.text : '')).join('\n\n');
  }
  return rendered;
}

function renderPart(part: ContentPart | StoredContentPart, options: RenderOptions): ChatPart {
  switch (part.type) {
    case 'text':
      return { type: 'text', text: part.text };
    case 'file':
      return { type: 'text', text: renderFileText(part.name, part.text) };
    case 'image': {
      if (!options.vision) return { type: 'text', text: attachmentPromptText.imageNotShown(part.name) };
      const bytes = ('bytes' in part ? part.bytes : undefined) ?? options.blobs?.(part.blobId);
      if (!bytes) return { type: 'text', text: attachmentPromptText.imageGone(part.name) };
      const url = `data:${part.mime};base64,${Buffer.from(bytes).toString('base64')}`;
      return { type: 'image_url', image_url: { url, detail: part.detail } };
    }
  }
}
