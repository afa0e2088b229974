import { describe, expect, it } from 'vitest';
import { BoundedLabels, OVERFLOW_LABEL } from '../../../src/ops/boundedLabels.js';
import { normaliseStatus } from '../../../src/ops/statusTypes.js';

const NOW = Date.UTC(2026, 11, 1, 12);

describe('normaliseStatus', () => {
  it('fills 30 days oldest first, merges duplicates, drops days outside the window and bad counts', () => {
    const doc = normaliseStatus(
      {
        liveStreams: -1,
        limiter: { requestsHeadroom: Number.NaN, tokensHeadroom: 10, queued: 2 },
        days: [
          { day: '2026-12-01', tokens: 5, costUsd: 0.1 },
          { day: '2026-12-01', tokens: 7, costUsd: 0.2 },
          { day: '2026-10-01', tokens: 99, costUsd: 9 },
        ],
        busiestGuilds: [
          { guildId: '1', tokens: 1 },
          { guildId: 'not-an-id', tokens: 50 },
          { guildId: '2', tokens: 9 },
        ],
      },
      NOW,
    );
    expect(doc.days).toHaveLength(30);
    expect(doc.days[0]?.day).toBe('2026-11-02');
    expect(doc.days.at(-1)).toEqual({ day: '2026-12-01', tokens: 12, costUsd: expect.closeTo(0.3) });
    expect(doc.days.reduce((s, d) => s + d.tokens, 0)).toBe(12);
    expect(doc.liveStreams).toBe(0);
    expect(doc.limiter).toEqual({ requestsHeadroom: 0, tokensHeadroom: 10, queued: 2 });
    expect(doc.busiestGuilds.map((g) => g.guildId)).toEqual(['2', '1']);
  });
});

describe('BoundedLabels', () => {
  it('keeps known values and folds new ones into "other" past the cap', () => {
    const labels = new BoundedLabels(2);
    expect(labels.value('model', 'a')).toBe('a');
    expect(labels.value('model', 'b')).toBe('b');
    expect(labels.value('model', 'c')).toBe(OVERFLOW_LABEL);
    expect(labels.value('model', 'a')).toBe('a');
    expect(labels.value('outcome', 'c')).toBe('c');
    expect(labels.value('model', 'x'.repeat(500))).toBe(OVERFLOW_LABEL);
  });
});
