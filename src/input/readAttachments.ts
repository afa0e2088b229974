/**
 * The one entry a turn calls: a message's attachments in, content parts for what could be read and one plain
 * notice per refused file out. A user's bad file never throws; only the caller's own abort does.
 */
import { attachmentStrings } from '../strings.js';
import { AttachmentError } from './attachmentError.js';
import type { RefusalReason } from './attachmentError.js';
import type { ContentPart } from './contentParts.js';
import { fetchAttachment } from './fetchAttachment.js';
import type { FetchPolicy } from './fetchAttachment.js';
import type { ImageDetail } from './imageTokens.js';
import { prepareImage, sniffImage } from './images.js';
import { classifyAttachment, readTextFile } from './textFiles.js';

/** What the Discord layer passes for one attachment (from discord.js `Attachment`). */
export interface AttachmentRef {
  readonly url: string;
  readonly name: string;
  /** Declared size in bytes. */
  readonly size: number;
  readonly contentType: string | null;
}

export interface AttachmentLimits {
  /** `MAX_ATTACHMENTS`: files read per message; the rest get one notice. */
  readonly maxAttachments: number;
  /** `MAX_ATTACHMENT_BYTES`, per file. */
  readonly maxBytes: number;
  /** `MAX_ATTACHMENT_CHARS`, per text file. */
  readonly maxChars: number;
  /** `IMAGE_DETAIL`. */
  readonly detail: ImageDetail;
  /** `OPENAI_VISION` (or the model's capability): false → images get a notice. */
  readonly vision: boolean;
  /** Largest image (pixels) we decode; default DEFAULT_MAX_INPUT_PIXELS. */
  readonly maxInputPixels?: number;
}

export interface ReadAttachmentsOptions {
  /** `DISCORD_API_BASE`: its host may serve attachments besides Discord's CDN hosts. */
  readonly apiBase: string;
  readonly signal?: AbortSignal;
  /** Download timeout per file (default 15 s). */
  readonly timeoutMs?: number;
}

export interface ReadAttachmentsResult {
  /** In the order the files were attached. */
  readonly parts: ContentPart[];
  /** One sentence per refused file (or one for all files over the count limit), for the user. */
  readonly notices: string[];
  /** Reason codes of the refusals, for logs and metrics (no user text). */
  readonly refusals: RefusalReason[];
}

type Outcome = { readonly part: ContentPart } | { readonly error: AttachmentError };

export async function readAttachments(
  refs: readonly AttachmentRef[],
  limits: AttachmentLimits,
  options: ReadAttachmentsOptions,
): Promise<ReadAttachmentsResult> {
  const taken = refs.slice(0, Math.max(0, limits.maxAttachments));
  const skipped = refs.slice(taken.length);
  const policy: FetchPolicy = {
    apiBase: options.apiBase,
    maxBytes: limits.maxBytes,
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
  };
  const outcomes = await Promise.all(
    taken.map(async (ref): Promise<Outcome> => {
      try {
        return { part: await readOne(ref, limits, policy, options.signal) };
      } catch (error) {
        if (error instanceof AttachmentError) return { error };
        throw error;
      }
    }),
  );
  const parts: ContentPart[] = [];
  const notices: string[] = [];
  const refusals: RefusalReason[] = [];
  for (const outcome of outcomes) {
    if ('part' in outcome) {
      parts.push(outcome.part);
    } else {
      notices.push(outcome.error.notice);
      refusals.push(outcome.error.reason);
    }
  }
  if (skipped.length > 0) {
    notices.push(
      attachmentStrings.tooMany(
        limits.maxAttachments,
        skipped.map((r) => r.name),
      ),
    );
    refusals.push('too-many');
  }
  return { parts, notices, refusals };
}

async function readOne(
  ref: AttachmentRef,
  limits: AttachmentLimits,
  policy: FetchPolicy,
  signal: AbortSignal | undefined,
): Promise<ContentPart> {
  const declared = classifyAttachment(ref.name, ref.contentType);
  if (declared.kind === 'unsupported') {
    throw new AttachmentError('unsupported-type', attachmentStrings.unsupportedType(ref.name, declared.label));
  }
  if (declared.kind === 'image' && !limits.vision) {
    throw new AttachmentError('vision-off', attachmentStrings.visionOff(ref.name));
  }
  const bytes = await fetchAttachment({ url: ref.url, name: ref.name, size: ref.size }, policy, signal);
  // Trust the bytes: an image named .txt is an image, an "image" that isn't one is refused by prepareImage.
  if (declared.kind === 'image' || sniffImage(bytes) !== undefined) {
    if (!limits.vision) throw new AttachmentError('vision-off', attachmentStrings.visionOff(ref.name));
    return prepareImage(ref.name, bytes, {
      detail: limits.detail,
      ...(limits.maxInputPixels !== undefined ? { maxInputPixels: limits.maxInputPixels } : {}),
    });
  }
  return readTextFile(ref.name, bytes, limits.maxChars);
}
