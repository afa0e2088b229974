import { describe, expect, it } from 'vitest';
import { assignToolNames, FUNCTION_NAME_PATTERN } from '../../../src/tools/toolNames.js';

describe('tool names', () => {
  it('joins server and tool with __ and maps back', () => {
    const names = assignToolNames([{ server: 'shop', tool: 'lookup_order' }]);
    expect([...names.keys()]).toEqual(['shop__lookup_order']);
    expect(names.get('shop__lookup_order')).toEqual({ server: 'shop', tool: 'lookup_order' });
  });

  it('sanitises to the OpenAI pattern and stays within 64 characters', () => {
    const names = assignToolNames([
      { server: 'my.server', tool: 'get weather/forecast' },
      { server: 'ünï', tool: 'x'.repeat(100) },
    ]);
    for (const name of names.keys()) expect(name).toMatch(FUNCTION_NAME_PATTERN);
    expect(names.get('my_server__get_weather_forecast')).toEqual({ server: 'my.server', tool: 'get weather/forecast' });
  });

  it('resolves collisions deterministically, whatever the listing order', () => {
    const refs = [
      { server: 'a.b', tool: 't' },
      { server: 'a_b', tool: 't' },
      { server: 'long', tool: `${'y'.repeat(70)}1` },
      { server: 'long', tool: `${'y'.repeat(70)}2` },
    ];
    const forward = assignToolNames(refs);
    const backward = assignToolNames([...refs].reverse());
    expect([...forward.entries()]).toEqual([...backward.entries()]);
    expect(forward.size).toBe(4);
    expect(new Set([...forward.values()].map((r) => `${r.server}/${r.tool}`)).size).toBe(4);
    for (const name of forward.keys()) expect(name).toMatch(FUNCTION_NAME_PATTERN);
    expect(forward.get('a_b__t')).toEqual({ server: 'a.b', tool: 't' }); // first in sorted order keeps the plain name
  });

  it('lists names in sorted order (stable request prefix)', () => {
    const names = assignToolNames([
      { server: 'z', tool: 'a' },
      { server: 'a', tool: 'z' },
      { server: 'm', tool: 'm' },
    ]);
    expect([...names.keys()]).toEqual(['a__z', 'm__m', 'z__a']);
  });
});
