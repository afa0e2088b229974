/**
 * The fake's CDN: attachments a simulated user uploads, served over HTTP on the fake's own loopback host the way
 * cdn.discordapp.com serves them — signed URLs (`ex` expiry and `is` issue time in hex seconds, `hm` an HMAC),
 * 404 "This content is no longer available." once a link is expired or its signature is wrong. Attachment objects
 * carry the fields Discord sets (id, filename, size, url, proxy_url, content_type, width/height for images) and are
 * checked against the spec's MessageAttachmentResponse. Every download is recorded, so a test can prove which
 * URLs the bot fetched (and that it never sent credentials to the CDN).
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Snowflake } from 'discord-api-types/globals';
import type { APIAttachment } from 'discord-api-types/v10';
import sharp from 'sharp';
import type { SnowflakeGenerator } from './snowflake.js';
import { specException } from './specExceptions.js';
import type { DiscordSpec } from './specValidator.js';

/** How the CDN answers for one attachment (faults a test may want). */
export type CdnBehaviour =
  | { readonly kind: 'normal' }
  /** Headers and the first KB, then nothing until the fake closes: a download that stalls. */
  | { readonly kind: 'stall' }
  /** 302 to `location` (e.g. a host that is not Discord's). */
  | { readonly kind: 'redirect'; readonly location: string };

export interface AttachmentUpload {
  readonly filename: string;
  readonly bytes: Uint8Array;
  /** Default: from the extension as Discord does (text types with `; charset=utf-8`); null: none. */
  readonly contentType?: string | null;
  /** The `size` the attachment object declares (default: the real byte count). */
  readonly declaredSize?: number;
  readonly description?: string;
  /** Channel in the CDN path (default: the fake's #general). */
  readonly channelId?: Snowflake;
  /** A slash command option's file: `ephemeral: true`, served under /ephemeral-attachments/. */
  readonly ephemeral?: boolean;
  readonly serve?: CdnBehaviour;
}

export interface CdnDownload {
  readonly at: number;
  readonly method: string;
  /** Path without the query (`/attachments/{channel}/{id}/{name}`). */
  readonly path: string;
  readonly status: number;
  readonly bytesSent: number;
  readonly sentAuthorization: boolean;
}

interface StoredFile {
  readonly attachment: APIAttachment;
  readonly bytes: Uint8Array;
  readonly contentType: string | null;
  readonly serve: CdnBehaviour;
  expired: boolean;
}

export interface CdnDependencies {
  readonly baseUrl: () => string;
  readonly ids: SnowflakeGenerator;
  readonly defaultChannelId: () => Snowflake;
  readonly spec: DiscordSpec;
  readonly onViolation: (message: string) => void;
  /** Signed URL lifetime (Discord: about 24 h). */
  readonly urlLifetimeMs?: number;
}

const TEXT_TYPES: Readonly<Record<string, string>> = {
  txt: 'text/plain',
  md: 'text/markdown',
  py: 'text/x-python',
  js: 'text/javascript',
  csv: 'text/csv',
  html: 'text/html',
  log: 'text/plain',
  json: 'application/json',
  xml: 'application/xml',
  yaml: 'application/x-yaml',
  yml: 'application/x-yaml',
};
const BINARY_TYPES: Readonly<Record<string, string>> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  zip: 'application/zip',
  pdf: 'application/pdf',
  // Like Discord (and the mime database): a TypeScript file arrives as an MPEG transport stream.
  ts: 'video/mp2t',
  mp4: 'video/mp4',
};

/** The content type Discord would report for a file name, or null when it reports none. */
export function discordContentType(filename: string): string | null {
  const ext = /\.([^.]+)$/.exec(filename)?.[1]?.toLowerCase() ?? '';
  const text = TEXT_TYPES[ext];
  if (text) return `${text}; charset=utf-8`;
  return BINARY_TYPES[ext] ?? null;
}

const CDN_PREFIXES = ['/attachments/', '/ephemeral-attachments/'];
const PROXY_PREFIX = '/media';
const hex = (ms: number): string => Math.floor(ms / 1000).toString(16);

export class FakeCdn {
  readonly downloads: CdnDownload[] = [];
  private readonly files = new Map<string, StoredFile>();
  private readonly byId = new Map<Snowflake, StoredFile>();
  private readonly secret = randomBytes(32);

  constructor(private readonly deps: CdnDependencies) {}

  /** Whether a request path belongs to the CDN (served outside `/api`, see specExceptions 'cdn-on-fake-host'). */
  handles(pathname: string): boolean {
    const path = pathname.startsWith(`${PROXY_PREFIX}/`) ? pathname.slice(PROXY_PREFIX.length) : pathname;
    return CDN_PREFIXES.some((prefix) => path.startsWith(prefix));
  }

  /** Store the bytes and return the attachment object Discord would put on the message (or option). */
  async upload(input: AttachmentUpload, now: number = Date.now()): Promise<APIAttachment> {
    const id = this.deps.ids.next(now);
    const channelId = input.channelId ?? this.deps.defaultChannelId();
    const kind = input.ephemeral ? 'ephemeral-attachments' : 'attachments';
    const path = `/${kind}/${channelId}/${id}/${encodeURIComponent(input.filename)}`;
    const query = this.sign(path, now);
    const contentType = input.contentType === undefined ? discordContentType(input.filename) : input.contentType;
    const attachment: APIAttachment = {
      id,
      filename: input.filename,
      size: input.declaredSize ?? input.bytes.byteLength,
      url: `${this.deps.baseUrl()}${path}?${query}`,
      proxy_url: `${this.deps.baseUrl()}${PROXY_PREFIX}${path}?${query}`,
      ...(contentType !== null ? { content_type: contentType } : {}),
      ...(input.description !== undefined ? { description: input.description } : {}),
      ...(await imageSize(input.bytes)),
      ...(input.ephemeral ? { ephemeral: true } : {}),
    };
    for (const issue of this.deps.spec.validateComponent('MessageAttachmentResponse', attachment)) {
      this.deps.onViolation(`attachment ${issue.pointer || '(root)'} ${issue.message} (${issue.rule})`);
    }
    const stored: StoredFile = {
      attachment,
      bytes: input.bytes,
      contentType,
      serve: input.serve ?? { kind: 'normal' },
      expired: false,
    };
    this.files.set(path, stored);
    this.byId.set(id, stored);
    return attachment;
  }

  attachment(id: Snowflake): APIAttachment | undefined {
    return this.byId.get(id)?.attachment;
  }

  /** Make every URL handed out so far answer 404, as Discord's do after about 24 h. */
  expireAll(): void {
    for (const file of this.files.values()) file.expired = true;
  }

  handle(req: IncomingMessage, res: ServerResponse): void {
    specException('cdn-on-fake-host');
    const url = new URL(req.url ?? '/', 'http://fake.discord');
    const path = url.pathname.startsWith(`${PROXY_PREFIX}/`) ? url.pathname.slice(PROXY_PREFIX.length) : url.pathname;
    const method = (req.method ?? 'GET').toUpperCase();
    const record = (status: number, bytesSent: number): void => {
      this.downloads.push({
        at: Date.now(),
        method,
        path,
        status,
        bytesSent,
        sentAuthorization: req.headers.authorization !== undefined,
      });
    };
    const file = this.files.get(path);
    if (method !== 'GET' && method !== 'HEAD') {
      record(405, 0);
      res.writeHead(405).end();
      return;
    }
    if (!file || file.expired || !this.validSignature(path, url.searchParams)) {
      record(404, 0);
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('This content is no longer available.');
      return;
    }
    this.serve(file, method, res, record);
  }

  private serve(
    file: StoredFile,
    method: string,
    res: ServerResponse,
    record: (status: number, bytes: number) => void,
  ): void {
    if (file.serve.kind === 'redirect') {
      record(302, 0);
      res.writeHead(302, { Location: file.serve.location }).end();
      return;
    }
    const headers = {
      'Content-Type': file.contentType ?? 'application/octet-stream',
      'Content-Length': String(file.bytes.byteLength),
      'Cache-Control': 'public, max-age=31536000',
    };
    res.writeHead(200, headers);
    if (method === 'HEAD') {
      record(200, 0);
      res.end();
    } else if (file.serve.kind === 'stall') {
      const first = file.bytes.subarray(0, Math.min(1024, file.bytes.byteLength - 1));
      record(200, first.byteLength);
      res.write(first); // …and never more: the fake's close() drops the connection.
    } else {
      record(200, file.bytes.byteLength);
      res.end(file.bytes);
    }
  }

  private sign(path: string, now: number): string {
    const ex = hex(now + (this.deps.urlLifetimeMs ?? 24 * 3_600_000));
    const is = hex(now);
    return `ex=${ex}&is=${is}&hm=${this.mac(path, ex, is)}&`;
  }

  private mac(path: string, ex: string, is: string): string {
    return createHmac('sha256', this.secret).update(`${path}|${ex}|${is}`).digest('hex');
  }

  private validSignature(path: string, query: URLSearchParams): boolean {
    const ex = query.get('ex') ?? '';
    const is = query.get('is') ?? '';
    if (!/^[0-9a-f]+$/.test(ex) || query.get('hm') !== this.mac(path, ex, is)) return false;
    return Number.parseInt(ex, 16) * 1000 > Date.now();
  }
}

/** width/height as Discord reports them for images it can read (first frame of an animation); none otherwise. */
async function imageSize(bytes: Uint8Array): Promise<{ width?: number; height?: number }> {
  try {
    const meta = await sharp(bytes, { pages: 1, limitInputPixels: false }).metadata();
    if (!['png', 'jpeg', 'gif', 'webp'].includes(meta.format)) return {};
    return { width: meta.width, height: meta.pageHeight ?? meta.height };
  } catch {
    return {};
  }
}
