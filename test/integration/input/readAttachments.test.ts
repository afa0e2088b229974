/** readAttachments against the fake Discord's CDN: real signed URLs, real HTTP, real sharp. */
import sharp from 'sharp';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { APIAttachment } from 'discord-api-types/v10';
import type { AttachmentLimits, AttachmentRef } from '../../../src/input/readAttachments.js';
import { readAttachments } from '../../../src/input/readAttachments.js';
import { startFakeDiscord } from '../../fakes/discord/index.js';
import type { AttachmentUpload, FakeDiscord } from '../../fakes/discord/index.js';
import { pngBomb, pngOf } from '../../helpers/testImages.js';

let fake: FakeDiscord;
beforeAll(async () => {
  fake = await startFakeDiscord();
});
afterAll(async () => {
  await fake.close();
  fake.assertNoViolations();
});
beforeEach(() => {
  fake.assertNoViolations();
});

const limits: AttachmentLimits = {
  maxAttachments: 4,
  maxBytes: 10 * 1024 * 1024,
  maxChars: 40_000,
  detail: 'high',
  vision: true,
};
/** What the Discord layer builds from a discord.js Attachment (same fields, from the same JSON). */
const refOf = (a: APIAttachment): AttachmentRef => ({
  url: a.url,
  name: a.filename,
  size: a.size,
  contentType: a.content_type ?? null,
});
const upload = async (input: AttachmentUpload): Promise<AttachmentRef> => refOf(await fake.uploadAttachment(input));
const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const read = (refs: AttachmentRef[], overrides: Partial<AttachmentLimits> = {}) =>
  readAttachments(refs, { ...limits, ...overrides }, { apiBase: fake.apiUrl });

describe('readAttachments through the fake CDN', () => {
  it('reads a 3000×2000 screenshot and a .py file into parts, in order, with their tokens', async () => {
    const png = await upload({ filename: 'error.png', bytes: await pngOf(3000, 2000, { noisy: true }) });
    const py = await upload({ filename: 'main.py', bytes: text('import sys\nprint(sys.argv)\n') });
    const { parts, notices } = await read([png, py]);
    expect(notices).toEqual([]);
    expect(parts.map((p) => p.type)).toEqual(['image', 'file']);
    expect(parts[0]).toMatchObject({ name: 'error.png', width: 1152, height: 768, tokens: 1105, mime: 'image/jpeg' });
    expect(parts[1]).toMatchObject({ name: 'main.py', text: 'import sys\nprint(sys.argv)\n' });
    const bytes = parts[0]?.type === 'image' ? parts[0].bytes : undefined;
    expect((await sharp(bytes).metadata()).width).toBe(1152);
  });

  it('gives each refused file its own notice and still reads the rest', async () => {
    const refs = [
      await upload({ filename: 'code.zip', bytes: Buffer.from('PK\x03\x04 fake zip') }),
      await upload({ filename: 'huge.log', bytes: text('x'.repeat(2000)), declaredSize: 11 * 1024 * 1024 }),
      await upload({ filename: 'long.txt', bytes: text('y'.repeat(40_001)) }),
      await upload({ filename: 'ok.md', bytes: text('# fine') }),
    ];
    const before = fake.cdnDownloads.length;
    const { parts, notices, refusals } = await read(refs);
    expect(parts.map((p) => (p.type === 'file' ? p.name : p.type))).toEqual(['ok.md']);
    expect(notices).toEqual([
      "I can't read .zip files, so I skipped “code.zip”.",
      '“huge.log” is larger than the 10 MB I can download, so I skipped it.',
      '“long.txt” has 40,001 characters; I can read files of up to 40,000, so I skipped it.',
    ]);
    expect(refusals).toEqual(['unsupported-type', 'too-big', 'too-long']);
    // The zip and the oversize file were refused without downloading them.
    expect(fake.cdnDownloads.slice(before).map((d) => d.path.split('/').pop())).toEqual(['long.txt', 'ok.md']);
  });

  it('reads only MAX_ATTACHMENTS files and names the skipped ones in one notice', async () => {
    const refs = await Promise.all(['a', 'b', 'c'].map((n) => upload({ filename: `${n}.txt`, bytes: text(n) })));
    const { parts, notices } = await read(refs, { maxAttachments: 2 });
    expect(parts).toHaveLength(2);
    expect(notices).toEqual(['I read only the first 2 attachments of a message, so I skipped “c.txt”.']);
  });

  it("with vision off, answers images with a notice and doesn't download them", async () => {
    const png = await upload({ filename: 'shot.png', bytes: await pngOf(100, 100) });
    const before = fake.cdnDownloads.length;
    const { parts, notices } = await read([png], { vision: false });
    expect([parts, notices]).toEqual([[], ["This model can't see images, so I skipped “shot.png”."]]);
    expect(fake.cdnDownloads.length).toBe(before);
  });

  it('refuses a corrupt image, an image bomb and a file that lies about its type', async () => {
    const refs = [
      await upload({
        filename: 'broken.png',
        bytes: Buffer.concat([(await pngOf(10, 10)).subarray(0, 8), Buffer.alloc(100)]),
      }),
      await upload({ filename: 'bomb.png', bytes: await pngBomb(40_000, 40_000) }),
      await upload({ filename: 'data.json', bytes: Buffer.from([0x7b, 0x00, 0x01, 0x7d]) }),
    ];
    const { parts, refusals, notices } = await read(refs);
    expect(parts).toEqual([]);
    expect(refusals).toEqual(['undecodable-image', 'image-too-large', 'not-text']);
    expect(notices[1]).toContain('40000×40000');
  });

  it('trusts the bytes: a PNG uploaded as notes.txt becomes an image', async () => {
    const { parts } = await read([await upload({ filename: 'notes.txt', bytes: await pngOf(64, 32) })]);
    expect(parts[0]).toMatchObject({ type: 'image', width: 64, height: 32 });
  });

  it('never fetches a URL outside Discord, and an expired link becomes a notice', async () => {
    const outside: AttachmentRef = {
      url: 'https://example.com/x.png',
      name: 'x.png',
      size: 10,
      contentType: 'image/png',
    };
    const stale = await upload({ filename: 'old.txt', bytes: text('old') });
    fake.expireAttachmentUrls();
    const { notices, refusals } = await read([outside, stale]);
    expect(refusals).toEqual(['host-not-allowed', 'download-failed']);
    expect(notices[0]).toBe("“x.png” isn't stored on Discord, so I didn't download it.");
    expect(fake.cdnDownloads.at(-1)).toMatchObject({ status: 404, sentAuthorization: false });
  });

  it('times out a stalled CDN download with a notice', async () => {
    const slow = await upload({ filename: 'slow.txt', bytes: text('z'.repeat(5000)), serve: { kind: 'stall' } });
    const result = await readAttachments([slow], limits, { apiBase: fake.apiUrl, timeoutMs: 300 });
    expect(result.refusals).toEqual(['download-timeout']);
  });
});
