import { describe, expect, it } from 'vitest';
import { DISCORD_SPEC_EXCEPTIONS } from '../../fakes/discord/index.js';
import { discordSpec } from '../../fakes/discord/specValidator.js';
import { rawRequest, useFakeDiscord } from './helpers.js';

describe('fake Discord: the OpenAPI oracle', () => {
  const ctx = useFakeDiscord();

  it('a body over the 2000-character limit is a violation naming route, pointer and rule, answered 400 / 50035', async () => {
    const { fake } = ctx;
    const response = await rawRequest(fake, 'POST', `/channels/${fake.ids.textChannelId}/messages`, {
      content: 'a'.repeat(2001),
    });
    expect(response.status).toBe(400);
    expect(response.json).toMatchObject({
      code: 50035,
      message: 'Invalid Form Body',
      errors: { content: { _errors: [{ code: 'BASE_TYPE_MAX_LENGTH', message: 'Must be 2000 or fewer in length.' }] } },
    });
    const violations = fake.takeViolations();
    expect(violations).toEqual([
      expect.objectContaining({
        kind: 'invalid-request-body',
        route: 'POST /channels/{channel_id}/messages',
        pointer: '/content',
        rule: 'maxLength',
        message: expect.stringContaining('POST /channels/{channel_id}/messages'),
      }),
    ]);
    expect(fake.messagesIn(fake.ids.textChannelId)).toHaveLength(0);
  });

  it('a missing required field is a violation (thread without a name)', async () => {
    const { fake } = ctx;
    const start = { content: 'start', allowed_mentions: { parse: [] } };
    const message = await rawRequest(fake, 'POST', `/channels/${fake.ids.textChannelId}/messages`, start);
    const { id } = message.json as { id: string };
    const response = await rawRequest(fake, 'POST', `/channels/${fake.ids.textChannelId}/messages/${id}/threads`, {
      auto_archive_duration: 60,
    });
    expect(response.status).toBe(400);
    expect(response.json).toMatchObject({
      code: 50035,
      errors: { name: { _errors: [{ code: 'BASE_TYPE_REQUIRED' }] } },
    });
    expect(fake.takeViolations()).toEqual([
      expect.objectContaining({
        kind: 'invalid-request-body',
        route: 'POST /channels/{channel_id}/messages/{message_id}/threads',
        pointer: '/name',
        rule: 'required',
      }),
    ]);
    expect(fake.threads).toHaveLength(0);
  });

  it('an invalid interaction callback is reported at the deepest failing location of the union', async () => {
    const { fake } = ctx;
    const command = fake.runSlashCommand({ name: 'chat', options: { message: 'x' } });
    const response = await rawRequest(
      fake,
      'POST',
      `/interactions/${command.id}/${command.token}/callback`,
      { type: 4, data: { content: 'b'.repeat(2001) } },
      { auth: false },
    );
    expect(response.status).toBe(400);
    expect(fake.takeViolations()).toEqual([
      expect.objectContaining({
        route: 'POST /interactions/{interaction_id}/{interaction_token}/callback',
        pointer: '/data/content',
        rule: 'maxLength',
      }),
    ]);
    expect(command.responseType).toBeUndefined();
  });

  it('unknown routes, undocumented methods, routes the fake lacks and bad path parameters are violations', async () => {
    const { fake } = ctx;
    const unknown = await rawRequest(fake, 'GET', '/channels/123456789012345678/nonsense');
    expect(unknown.status).toBe(404);
    expect(unknown.json).toEqual({ message: '404: Not Found', code: 0 });

    const wrongMethod = await rawRequest(fake, 'PUT', `/channels/${fake.ids.textChannelId}/typing`);
    expect(wrongMethod.status).toBe(405);

    const notImplemented = await rawRequest(fake, 'GET', `/channels/${fake.ids.textChannelId}/messages/pins`);
    expect(notImplemented.status).toBe(404);

    const badId = await rawRequest(fake, 'POST', '/channels/undefined/messages', { content: 'hi' });
    expect(badId.status).toBe(400);
    expect(badId.json).toMatchObject({ code: 50035, errors: { channel_id: {} } });

    const noAuth = await rawRequest(fake, 'GET', '/users/@me', undefined, { auth: false });
    expect(noAuth.status).toBe(401);

    expect(fake.takeViolations().map((v) => [v.kind, v.route])).toEqual([
      ['unknown-route', 'GET /api/v10/channels/123456789012345678/nonsense'],
      ['method-not-allowed', 'PUT /channels/{channel_id}/typing'],
      ['not-implemented', 'GET /channels/{channel_id}/messages/pins'],
      ['invalid-path-param', 'POST /channels/{channel_id}/messages'],
      ['unauthorized', 'GET /users/@me'],
    ]);
  });

  it('validates responses too: the oracle rejects an incomplete message object', () => {
    const spec = discordSpec();
    const match = spec.match('GET', ['channels', '123456789012345678', 'messages', '123456789012345679']);
    if (match.kind !== 'ok') throw new Error('route not found in the spec');
    const issues = spec.validateResponse(match.operation, 200, { id: '123456789012345679', content: 'partial' });
    expect(issues.map((i) => `${i.pointer} ${i.rule}`)).toContain('/author required');
    expect(spec.validateResponse(match.operation, 204, undefined).map((i) => i.rule)).toEqual(['undocumentedStatus']);
  });

  it('lists every spec exception once, with its reason', () => {
    const ids = DISCORD_SPEC_EXCEPTIONS.map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const exception of DISCORD_SPEC_EXCEPTIONS) {
      expect(exception.spec.length).toBeGreaterThan(0);
      expect(exception.docs.length).toBeGreaterThan(0);
      expect(exception.why.length).toBeGreaterThan(0);
    }
  });
});
