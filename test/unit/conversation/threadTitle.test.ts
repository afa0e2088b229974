import { describe, expect, it } from 'vitest';
import { DmNoticeLimit } from '../../../src/discord/directMessages.js';
import { cleanTitle, TITLE_MAX_CHARS } from '../../../src/conversation/threadTitle.js';

describe('cleanTitle: what a model reply becomes as a thread name', () => {
  it('keeps one plain line: no markdown, mentions, pings, quotes, label or final period', () => {
    expect(cleanTitle('Title: "**Fixing** `npm ci` on <@123456789012345678> @everyone."\nsecond line')).toBe(
      'Fixing npm ci on everyone',
    );
    expect(cleanTitle('[Docs](https://example.com) for <#123456789012345678> <:party:123456789012345678>')).toBe(
      'Docs for party',
    );
  });

  it('gives nothing for an empty or markup-only reply', () => {
    expect(cleanTitle('')).toBeUndefined();
    expect(cleanTitle('  \n ** ``` \n')).toBeUndefined();
  });

  it('cuts at 60 characters on a grapheme, never inside an emoji sequence', () => {
    const family = '👨‍👩‍👧‍👦'; // 11 UTF-16 units, one grapheme
    const title = cleanTitle(`${'a'.repeat(55)}${family}${family}`)!;
    expect(title.length).toBeLessThanOrEqual(TITLE_MAX_CHARS);
    expect(title).toBe('a'.repeat(55));
    const words = cleanTitle('word '.repeat(20))!;
    expect(words.length).toBeLessThanOrEqual(TITLE_MAX_CHARS);
    expect(words.endsWith('word')).toBe(true);
  });
});

describe('DmNoticeLimit: one notice a day per user', () => {
  it('tells each user once per UTC day and again the next day', () => {
    let now = Date.UTC(2026, 0, 1, 23, 0);
    const limit = new DmNoticeLimit(() => now);
    expect(limit.shouldTell('u1')).toBe(true);
    expect(limit.shouldTell('u1')).toBe(false);
    expect(limit.shouldTell('u2')).toBe(true);
    now += 2 * 3_600_000;
    expect(limit.shouldTell('u1')).toBe(true);
  });
});
