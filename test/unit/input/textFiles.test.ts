import { describe, expect, it } from 'vitest';
import { AttachmentError } from '../../../src/input/attachmentError.js';
import { renderFileText } from '../../../src/input/contentParts.js';
import { classifyAttachment, readTextFile } from '../../../src/input/textFiles.js';
import { countTokens } from '../../../src/tokens/tokenCounter.js';

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);

async function refusal(promise: Promise<unknown>): Promise<AttachmentError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof AttachmentError)) throw new Error(`expected an AttachmentError, got ${String(error)}`);
  return error;
}

describe('classifyAttachment: what we try to read, before downloading', () => {
  const table: ReadonlyArray<readonly [string, string | null, string]> = [
    ['main.py', 'text/x-python; charset=utf-8', 'text'],
    ['notes.txt', null, 'text'],
    ['data.json', 'application/json; charset=utf-8', 'text'],
    ['config.yaml', 'application/x-yaml', 'text'],
    ['feed.xml', 'application/xml', 'text'],
    ['report.csv', 'text/csv', 'text'],
    ['index.ts', 'video/mp2t', 'text'], // Discord labels TypeScript as a video stream: the extension wins
    ['Dockerfile', null, 'text'],
    ['Makefile', 'application/octet-stream', 'text'],
    ['.gitignore', null, 'text'],
    ['weird.custom', 'text/plain', 'text'],
    ['shot.png', 'image/png', 'image'],
    ['photo.JPG', null, 'image'],
    ['anim.gif', 'image/gif', 'image'],
    ['noext', 'image/webp', 'image'],
    ['archive.zip', 'application/zip', 'unsupported'],
    ['paper.pdf', 'application/pdf', 'unsupported'],
    ['clip.mp4', 'video/mp4', 'unsupported'],
    ['photo.heic', 'image/heic', 'unsupported'],
    ['blob', 'application/x-msdownload', 'unsupported'],
  ];
  it.each(table)('%s (%s) → %s', (name, contentType, kind) => {
    expect(classifyAttachment(name, contentType).kind).toBe(kind);
  });

  it('names the file type it refuses', () => {
    expect(classifyAttachment('archive.zip', 'application/zip')).toEqual({ kind: 'unsupported', label: '.zip' });
    expect(classifyAttachment('blob', 'application/x-msdownload')).toEqual({
      kind: 'unsupported',
      label: 'application/x-msdownload',
    });
  });
});

describe('readTextFile', () => {
  it('returns the text with its token count, headed by the file name', async () => {
    const part = await readTextFile('main.py', utf8('\uFEFFdef hello():\r\n    return "hi"\r\n'), 40_000);
    expect(part.text).toBe('def hello():\n    return "hi"\n');
    expect(part.tokens).toBe(countTokens(renderFileText('main.py', part.text)));
    expect(renderFileText('main.py', part.text).split('\n')[0]).toContain('main.py');
  });

  it('accepts exactly the limit and refuses one character more, naming the limit and the length', async () => {
    await expect(readTextFile('a.txt', utf8('x'.repeat(100)), 100)).resolves.toMatchObject({ type: 'file' });
    const error = await refusal(readTextFile('a.txt', utf8('x'.repeat(40_001)), 40_000));
    expect(error.reason).toBe('too-long');
    expect(error.notice).toContain('40,000');
    expect(error.notice).toContain('40,001');
    expect(error.notice).toContain('“a.txt”');
  });

  it('counts characters as people see them: an emoji is one', async () => {
    await expect(readTextFile('e.txt', utf8('😀'.repeat(10)), 10)).resolves.toMatchObject({ text: '😀'.repeat(10) });
    expect((await refusal(readTextFile('e.txt', utf8('😀'.repeat(11)), 10))).notice).toContain('has 11 characters');
  });

  it('refuses a "text" file that is really binary: NUL bytes or invalid UTF-8', async () => {
    for (const bytes of [Uint8Array.from([0x68, 0x69, 0x00, 0x21]), Uint8Array.from([0x68, 0xc3, 0x28, 0xff])]) {
      const error = await refusal(readTextFile('fake.json', bytes, 40_000));
      expect(error.reason).toBe('not-text');
      expect(error.notice).toContain('“fake.json”');
    }
  });
});
