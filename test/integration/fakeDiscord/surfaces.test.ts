import { describe, expect, it } from 'vitest';
import { ChannelType, GatewayDispatchEvents } from 'discord.js';
import { rawRequest, useFakeDiscord } from './helpers.js';

const ctx = useFakeDiscord();

describe('fake Discord: forum posts, DM channels and thread renames', () => {
  it('a forum post is a public thread named by its title whose starter message has the thread id', async () => {
    const { fake } = ctx;
    const forum = fake.addForum('help', ['bug']);
    const post = fake.postInForum({
      forumId: forum.id,
      title: 'It crashes',
      content: 'on start',
      appliedTags: [forum.availableTags![0]!.id],
    });
    expect(post.starter.id).toBe(post.threadId);
    expect(post.starter.channelId).toBe(post.threadId);
    const thread = await rawRequest(fake, 'GET', `/channels/${post.threadId}`);
    expect(thread.json).toMatchObject({
      type: ChannelType.PublicThread,
      parent_id: forum.id,
      name: 'It crashes',
      applied_tags: [forum.availableTags![0]!.id],
    });
    const parent = await rawRequest(fake, 'GET', `/channels/${forum.id}`);
    expect(parent.json).toMatchObject({ type: ChannelType.GuildForum, available_tags: [{ name: 'bug' }] });
    // THREAD_CREATE goes out before the starter's MESSAGE_CREATE, as Discord sends them.
    const kinds = fake.dispatches.map((d) => d.t);
    expect(kinds.lastIndexOf(GatewayDispatchEvents.ThreadCreate)).toBeLessThan(
      kinds.lastIndexOf(GatewayDispatchEvents.MessageCreate),
    );
    expect(() => fake.postInForum({ forumId: forum.id, title: 'x'.repeat(101), content: 'too long a title' })).toThrow(
      /50035/,
    );
  });

  it('renames: 1–100 characters, not while archived, by the owner or with Manage Threads', async () => {
    const { fake } = ctx;
    const thread = fake.createThreadAsMember({ name: 'old name', ownerId: fake.ids.botUserId });
    expect((await rawRequest(fake, 'PATCH', `/channels/${thread.id}`, { name: 'new name' })).status).toBe(200);
    expect(fake.threads.find((t) => t.id === thread.id)?.name).toBe('new name');
    expect((await rawRequest(fake, 'PATCH', `/channels/${thread.id}`, { name: 'x'.repeat(101) })).status).toBe(400);
    fake.takeViolations(); // the over-long name is also outside the spec's schema, on purpose here
    expect(() => fake.renameThreadAsMember(thread.id, 'by a member', fake.ids.memberUserId)).toThrow(
      /Missing Permissions/,
    );
    fake.renameThreadAsMember(thread.id, 'by an admin');
    fake.archiveThread(thread.id);
    const archived = await rawRequest(fake, 'PATCH', `/channels/${thread.id}`, { name: 'too late' });
    expect(archived.json).toMatchObject({ code: 50083 });
    expect(fake.threads.find((t) => t.id === thread.id)?.name).toBe('by an admin');
  });

  it('a DM channel carries the user as recipient and its messages no guild', async () => {
    const { fake } = ctx;
    const message = fake.sendDirectMessage({ content: 'hi bot' });
    expect(message.guildId).toBeNull();
    const channel = await rawRequest(fake, 'GET', `/channels/${fake.dmChannelId()}`);
    expect(channel.json).toMatchObject({ type: ChannelType.DM, recipients: [{ id: fake.ids.memberUserId }] });
    const reply = await rawRequest(fake, 'POST', `/channels/${fake.dmChannelId()}/messages`, { content: 'hello' });
    expect(reply.status).toBe(200);
    expect(() => fake.sendDirectMessage({ content: 'x', authorId: fake.ids.adminUserId })).not.toThrow();
    expect(fake.dmChannelId(fake.ids.adminUserId)).not.toBe(fake.dmChannelId());
  });
});
