import { describe, expect, it } from 'vitest';
import sharp from 'sharp';
import type { ContentPart } from '../../../src/input/contentParts.js';
import { blobIdsOf, partsTokens, renderContent, splitForStorage } from '../../../src/input/contentParts.js';
import { prepareImage } from '../../../src/input/images.js';
import { readTextFile } from '../../../src/input/textFiles.js';
import { countTokens } from '../../../src/tokens/tokenCounter.js';
import { pngOf } from '../../helpers/testImages.js';

async function turn(): Promise<ContentPart[]> {
  const image = await prepareImage('shot.png', await pngOf(1024, 1024), { detail: 'high' });
  const file = await readTextFile('main.py', new TextEncoder().encode('print("hi")\n'), 1000);
  return [{ type: 'text', text: 'What is wrong here?' }, image, file];
}

describe('content parts', () => {
  it('renders a turn with an image as OpenAI content parts with a data: URL of the resized bytes', async () => {
    const parts = await turn();
    const content = renderContent(parts, { vision: true });
    if (typeof content === 'string') throw new Error('expected an array');
    expect(content.map((p) => p.type)).toEqual(['text', 'image_url', 'text']);
    const image = content[1];
    if (image?.type !== 'image_url') throw new Error('no image part');
    expect(image.image_url.detail).toBe('high');
    const match = /^data:image\/jpeg;base64,(.+)$/.exec(image.image_url.url);
    const meta = await sharp(Buffer.from(match?.[1] ?? '', 'base64')).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', 768, 768]);
    const file = content[2];
    expect(file?.type === 'text' && file.text.startsWith('Attached file “main.py”:\nprint("hi")')).toBe(true);
  });

  it('renders text-only turns as one plain string (what every server accepts)', async () => {
    const parts = (await turn()).filter((p) => p.type !== 'image');
    expect(renderContent(parts, { vision: true })).toBe(
      'What is wrong here?\n\nAttached file “main.py”:\nprint("hi")\n\n(end of “main.py”)',
    );
  });

  it('stores each image once as bytes, parts without bytes, and renders them again from the blob', async () => {
    const parts = await turn();
    const twice = [...parts, parts[1] as ContentPart];
    const { parts: stored, blobs } = splitForStorage(twice);
    expect(blobs).toHaveLength(1);
    expect(JSON.stringify(stored)).not.toMatch(/base64|"bytes"/);
    expect(JSON.stringify(stored).length).toBeLessThan(1_000);
    expect(blobIdsOf(stored)).toEqual([blobs[0]?.id]);
    const fromStore = renderContent(stored, { vision: true, blobs: (id) => blobs.find((b) => b.id === id)?.bytes });
    expect(fromStore).toEqual(renderContent(twice, { vision: true }));
  });

  it('counts tokens per part: the image by its formula, text and file by the tokenizer', async () => {
    const parts = await turn();
    const file = parts[2];
    expect(partsTokens(parts)).toBe(
      countTokens('What is wrong here?') + 765 + (file?.type === 'file' ? file.tokens : NaN),
    );
  });

  it('shows a one-line note instead of an image the model cannot see or that is gone', async () => {
    const { parts: stored } = splitForStorage(await turn());
    expect(renderContent(stored, { vision: false })).toContain(
      '[The user attached an image, “shot.png”, which this model cannot see.]',
    );
    expect(renderContent(stored, { vision: true, blobs: () => undefined })).toContain(
      '“shot.png”, which is no longer available',
    );
  });
});
