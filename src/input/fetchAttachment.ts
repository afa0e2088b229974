/**
 * Download a user's attachment, and nothing else: only Discord's CDN hosts over https, or the host of the
 * configured Discord API base (the fake's loopback host in tests) over its own scheme. The declared size is checked
 * before the request and the body is counted while it streams; redirects are followed only to allowed hosts; the
 * whole download is bounded in time and can be aborted. No credentials are ever sent.
 */
import { attachmentStrings } from '../strings.js';
import { AttachmentError } from './attachmentError.js';

export const DISCORD_CDN_HOSTS: readonly string[] = ['cdn.discordapp.com', 'media.discordapp.net'];
export const DOWNLOAD_TIMEOUT_MS = 15_000;
const MAX_REDIRECTS = 3;

export interface FetchPolicy {
  /** `DISCORD_API_BASE`: its scheme + host (with port) is allowed besides the CDN hosts. */
  readonly apiBase: string;
  readonly maxBytes: number;
  /** Default 15 s, for the whole download (headers and body). */
  readonly timeoutMs?: number;
}

export interface FetchTarget {
  readonly url: string;
  readonly name: string;
  /** Size Discord declared for the file (bytes). */
  readonly size?: number;
}

/** Whether we may download from this URL under the policy. */
export function isAllowedAttachmentUrl(raw: string, apiBase: string): boolean {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return false;
  }
  if (url.username !== '' || url.password !== '') return false;
  if (url.protocol === 'https:' && url.port === '' && DISCORD_CDN_HOSTS.includes(url.hostname)) return true;
  const api = new URL(apiBase);
  return url.protocol === api.protocol && url.host === api.host;
}

/**
 * The file's bytes. Throws AttachmentError (with the user's notice) for a refused or failed download; rethrows the
 * caller's abort reason when `signal` aborts, since that is not the user's fault.
 */
export async function fetchAttachment(
  target: FetchTarget,
  policy: FetchPolicy,
  signal?: AbortSignal,
): Promise<Uint8Array> {
  if (target.size !== undefined && target.size > policy.maxBytes) {
    throw new AttachmentError('too-big', attachmentStrings.tooBig(target.name, policy.maxBytes));
  }
  const timeoutMs = policy.timeoutMs ?? DOWNLOAD_TIMEOUT_MS;
  const timeout = AbortSignal.timeout(timeoutMs);
  const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
  try {
    const response = await requestFollowingAllowedRedirects(target, policy, combined);
    const declared = Number(response.headers.get('content-length') ?? Number.NaN);
    if (declared > policy.maxBytes) {
      await response.body?.cancel();
      throw new AttachmentError('too-big', attachmentStrings.tooBig(target.name, policy.maxBytes));
    }
    return await readCapped(response, target.name, policy.maxBytes);
  } catch (error) {
    if (signal?.aborted) throw signal.reason;
    if (error instanceof AttachmentError) throw error;
    if (timeout.aborted) {
      throw new AttachmentError('download-timeout', attachmentStrings.downloadTimedOut(target.name, timeoutMs / 1000), {
        cause: error,
      });
    }
    throw new AttachmentError('download-failed', attachmentStrings.downloadFailed(target.name), { cause: error });
  }
}

async function requestFollowingAllowedRedirects(
  target: FetchTarget,
  policy: FetchPolicy,
  signal: AbortSignal,
): Promise<Response> {
  let url = target.url;
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    if (!isAllowedAttachmentUrl(url, policy.apiBase)) {
      throw new AttachmentError('host-not-allowed', attachmentStrings.notFromDiscord(target.name));
    }
    const response = await fetch(url, { redirect: 'manual', signal, headers: { accept: '*/*' } });
    const location = response.headers.get('location');
    if (response.status >= 300 && response.status < 400 && location !== null) {
      await response.body?.cancel();
      url = new URL(location, url).toString();
      continue;
    }
    if (!response.ok) {
      await response.body?.cancel();
      throw new AttachmentError('download-failed', attachmentStrings.downloadFailed(target.name));
    }
    return response;
  }
  throw new AttachmentError('download-failed', attachmentStrings.downloadFailed(target.name));
}

/** Read the body, giving up as soon as it passes `maxBytes` (a lying or missing Content-Length changes nothing). */
async function readCapped(response: Response, name: string, maxBytes: number): Promise<Uint8Array> {
  if (!response.body) return new Uint8Array(0);
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      throw new AttachmentError('too-big', attachmentStrings.tooBig(name, maxBytes));
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, total);
}
