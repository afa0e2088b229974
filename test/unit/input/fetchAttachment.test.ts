import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AttachmentError } from '../../../src/input/attachmentError.js';
import { fetchAttachment, isAllowedAttachmentUrl } from '../../../src/input/fetchAttachment.js';

interface Seen {
  readonly path: string;
  readonly authorization: string | undefined;
}

/** A loopback server whose routes behave like a CDN that works, lies, stalls or redirects. */
async function startServer(routes: Record<string, (req: IncomingMessage, res: ServerResponse) => void>) {
  const seen: Seen[] = [];
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    seen.push({ path, authorization: req.headers.authorization });
    const route = routes[path];
    if (route) route(req, res);
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const close = async (): Promise<void> => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return { base, seen, close };
}

const KB = 1024;
const bytes = Buffer.alloc(50 * KB, 1);
let cdn: Awaited<ReturnType<typeof startServer>>;
let elsewhere: Awaited<ReturnType<typeof startServer>>;

beforeAll(async () => {
  elsewhere = await startServer({ '/file': (_req, res) => res.end(bytes) });
  cdn = await startServer({
    '/file': (_req, res) => res.writeHead(200, { 'Content-Length': String(bytes.length) }).end(bytes),
    '/chunked-big': (_req, res) => {
      res.writeHead(200); // no Content-Length: the cap must hold while streaming
      for (let i = 0; i < 20; i++) res.write(bytes);
      res.end();
    },
    '/declares-big': (_req, res) => res.writeHead(200, { 'Content-Length': String(bytes.length * 20) }).end(),
    '/stall': (_req, res) => {
      res.writeHead(200, { 'Content-Length': String(bytes.length) });
      res.write(bytes.subarray(0, KB));
    },
    '/gone': (_req, res) => res.writeHead(404).end('This content is no longer available.'),
    '/redirect-here': (_req, res) => res.writeHead(302, { Location: '/file' }).end(),
    '/redirect-away': (_req, res) => res.writeHead(302, { Location: `${elsewhere.base}/file` }).end(),
  });
});
afterAll(async () => {
  await cdn.close();
  await elsewhere.close();
});
beforeEach(() => {
  cdn.seen.length = 0;
  elsewhere.seen.length = 0;
});

const policy = () => ({ apiBase: `${cdn.base}/api`, maxBytes: 100 * KB });

async function refusal(promise: Promise<unknown>): Promise<AttachmentError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof AttachmentError)) throw new Error(`expected an AttachmentError, got ${String(error)}`);
  return error;
}

describe('isAllowedAttachmentUrl', () => {
  const api = 'http://127.0.0.1:4000/api';
  it.each([
    ['https://cdn.discordapp.com/attachments/1/2/a.png?ex=1&is=2&hm=3&', true],
    ['https://media.discordapp.net/attachments/1/2/a.png', true],
    ['http://127.0.0.1:4000/attachments/1/2/a.png', true],
    ['http://cdn.discordapp.com/attachments/1/2/a.png', false], // not https
    ['https://cdn.discordapp.com:8443/a.png', false],
    ['https://cdn.discordapp.com.evil.example/a.png', false],
    ['https://user:pw@cdn.discordapp.com/a.png', false],
    ['http://127.0.0.1:4001/a.png', false], // same machine, other port
    ['http://localhost:4000/a.png', false],
    ['https://example.com/a.png', false],
    ['file:///etc/passwd', false],
    ['not a url', false],
  ])('%s → %s', (url, allowed) => {
    expect(isAllowedAttachmentUrl(url, api)).toBe(allowed);
  });

  it('allows the https host of a production API base', () => {
    expect(isAllowedAttachmentUrl('https://discord.com/x', 'https://discord.com/api')).toBe(true);
  });
});

describe('fetchAttachment over real HTTP', () => {
  it('downloads from the allowed host without sending credentials', async () => {
    const got = await fetchAttachment({ url: `${cdn.base}/file`, name: 'a.bin', size: bytes.length }, policy());
    expect(Buffer.from(got).equals(bytes)).toBe(true);
    expect(cdn.seen).toEqual([{ path: '/file', authorization: undefined }]);
  });

  it('refuses a file whose declared size is over the cap without requesting it', async () => {
    const error = await refusal(
      fetchAttachment({ url: `${cdn.base}/file`, name: 'huge.png', size: 101 * KB }, policy()),
    );
    expect([error.reason, error.notice]).toEqual([
      'too-big',
      '“huge.png” is larger than the 100 KB I can download, so I skipped it.',
    ]);
    expect(cdn.seen).toHaveLength(0);
  });

  it('enforces the cap on Content-Length and while streaming, whatever the declared size said', async () => {
    for (const path of ['/declares-big', '/chunked-big']) {
      const error = await refusal(fetchAttachment({ url: `${cdn.base}${path}`, name: 'liar.png', size: 10 }, policy()));
      expect(error.reason).toBe('too-big');
    }
  });

  it('gives up on a stalled download after the timeout', async () => {
    const started = performance.now();
    const error = await refusal(
      fetchAttachment({ url: `${cdn.base}/stall`, name: 'slow.png' }, { ...policy(), timeoutMs: 300 }),
    );
    expect(performance.now() - started).toBeLessThan(3_000);
    expect([error.reason, error.notice]).toEqual([
      'download-timeout',
      'Downloading “slow.png” took longer than 0.3 s, so I skipped it.',
    ]);
  });

  it('never contacts a host that is not allowed, directly or through a redirect', async () => {
    const direct = await refusal(fetchAttachment({ url: `${elsewhere.base}/file`, name: 'x.png' }, policy()));
    const redirected = await refusal(fetchAttachment({ url: `${cdn.base}/redirect-away`, name: 'x.png' }, policy()));
    expect([direct.reason, redirected.reason]).toEqual(['host-not-allowed', 'host-not-allowed']);
    expect(elsewhere.seen).toHaveLength(0);
  });

  it('follows a redirect that stays on an allowed host', async () => {
    const got = await fetchAttachment({ url: `${cdn.base}/redirect-here`, name: 'a.bin' }, policy());
    expect(got.byteLength).toBe(bytes.length);
    expect(cdn.seen.map((s) => s.path)).toEqual(['/redirect-here', '/file']);
  });

  it('reports an expired link as a failed download', async () => {
    const error = await refusal(fetchAttachment({ url: `${cdn.base}/gone`, name: 'old.png' }, policy()));
    expect(error.reason).toBe('download-failed');
  });

  it("rethrows the caller's abort instead of turning it into a notice", async () => {
    const controller = new AbortController();
    const pending = fetchAttachment({ url: `${cdn.base}/stall`, name: 'slow.png' }, policy(), controller.signal);
    const reason = new Error('turn cancelled');
    setTimeout(() => controller.abort(reason), 50);
    await expect(pending).rejects.toBe(reason);
  });
});
