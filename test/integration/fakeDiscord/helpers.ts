import { afterEach, beforeEach } from 'vitest';
import type { Client } from 'discord.js';
import { assertNoViolations, startFakeDiscord } from '../../fakes/discord/index.js';
import type { FakeDiscord, FakeDiscordOptions } from '../../fakes/discord/index.js';
import { loginTestClient } from '../../fakes/discord/client.js';

export interface FakeContext {
  fake: FakeDiscord;
  /** Logs a client in; it is destroyed after the test. */
  login(options?: Parameters<typeof loginTestClient>[1]): Promise<Client<true>>;
}

/** A fresh fake per test; clients are destroyed and the fake closed after each test, then violations are checked. */
export function useFakeDiscord(options: FakeDiscordOptions = {}): FakeContext {
  const clients: Client[] = [];
  const context = {
    login: async (loginOptions?: Parameters<typeof loginTestClient>[1]) => {
      const client = await loginTestClient(context.fake, loginOptions);
      clients.push(client);
      return client;
    },
  } as FakeContext;
  beforeEach(async () => {
    context.fake = await startFakeDiscord(options);
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.destroy()));
    await context.fake.close();
    assertNoViolations();
  });
  return context;
}

/** A raw REST call that bypasses discord.js (no queue, no retries). */
export async function rawRequest(
  fake: FakeDiscord,
  method: string,
  path: string,
  body?: unknown,
  options: { auth?: boolean } = {},
): Promise<{ status: number; headers: Headers; json: unknown }> {
  const headers: Record<string, string> = {};
  if (options.auth !== false) headers.Authorization = `Bot ${fake.botToken}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(`${fake.apiUrl}/v10${path}`, {
    method,
    headers,
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    json: text === '' ? undefined : (JSON.parse(text) as unknown),
  };
}

/** Resolve with the first emitted value that satisfies `filter`, or reject after `timeoutMs`. */
export function nextEvent<T extends unknown[]>(
  client: Client,
  event: string,
  filter: (...args: T) => boolean = () => true,
  timeoutMs = 5_000,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const listener = (...args: unknown[]): void => {
      if (!filter(...(args as T))) return;
      clearTimeout(timer);
      client.off(event, listener);
      resolve(args as T);
    };
    const timer = setTimeout(() => {
      client.off(event, listener);
      reject(new Error(`no ${event} within ${timeoutMs} ms`));
    }, timeoutMs);
    client.on(event, listener);
  });
}
