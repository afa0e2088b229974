import { Client, Events, GatewayIntentBits, Partials } from 'discord.js';
import type { ClientOptions } from 'discord.js';
import type { FakeDiscord } from './index.js';

/** Client options the bot uses in production, pointed at the fake. */
export function testClientOptions(fake: FakeDiscord, overrides: Partial<ClientOptions> = {}): ClientOptions {
  return {
    intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages, GatewayIntentBits.MessageContent],
    partials: [Partials.Channel, Partials.Message],
    allowedMentions: { parse: [] },
    ...overrides,
    rest: { api: fake.apiUrl, ...overrides.rest },
  };
}

/**
 * Create a discord.js Client against the fake, log in and resolve once it is ready (all guilds received).
 * The ready listener is attached before `login()`; the wait is bounded and the client destroyed on failure.
 */
export async function loginTestClient(
  fake: FakeDiscord,
  options: { clientOptions?: Partial<ClientOptions>; timeoutMs?: number } = {},
): Promise<Client<true>> {
  const client = new Client(testClientOptions(fake, options.clientOptions));
  const timeoutMs = options.timeoutMs ?? 10_000;
  let timer: NodeJS.Timeout | undefined;
  try {
    const ready = new Promise<Client<true>>((resolve, reject) => {
      client.once(Events.ClientReady, resolve);
      timer = setTimeout(() => reject(new Error(`discord.js did not become ready within ${timeoutMs} ms`)), timeoutMs);
    });
    await Promise.all([client.login(fake.botToken), ready]);
    return await ready;
  } catch (error) {
    await client.destroy();
    throw error;
  } finally {
    clearTimeout(timer);
  }
}
