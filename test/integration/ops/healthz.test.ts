import { Events, Status, type Client } from 'discord.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createMetrics } from '../../../src/ops/metrics.js';
import { startOpsServer, type OpsServer } from '../../../src/ops/opsServer.js';
import { openStore, type KeyvStore } from '../../../src/store/keyvStore.js';
import { makeTempDir, sqliteUrl } from '../../helpers/tempDir.js';
import { useFakeDiscord } from '../fakeDiscord/helpers.js';

const PING_TIMEOUT_MS = 300;

/**
 * What the composition root should wire. Not `client.ws.status`: discord.js sets that to Ready once and never back,
 * while each shard's status follows drops, reconnects and resumes.
 */
const gatewayReady = (client: Client | undefined): boolean =>
  (client?.isReady() ?? false) && (client?.ws.shards.every((shard) => shard.status === Status.Ready) ?? false);

const healthz = async (server: OpsServer) => {
  const response = await fetch(`${server.url}/healthz`);
  return { status: response.status, body: (await response.text()).trim() };
};

describe('/healthz follows a real discord.js gateway and a real SQLite store', () => {
  const ctx = useFakeDiscord();
  const temp = makeTempDir('ops-health-');
  let store: KeyvStore;
  let server: OpsServer | undefined;
  let client: Client | undefined;
  // What the composition root would wire: the gateway's status and a read the store must answer.
  let pingStore: () => Promise<void>;

  beforeAll(async () => {
    store = await openStore(sqliteUrl(temp.dir));
  });
  afterAll(async () => {
    await store.close();
    temp.remove();
  });
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  const start = async () => {
    pingStore = async () => {
      await store.getGuildSettings('0');
    };
    server = await startOpsServer({
      host: '127.0.0.1',
      port: 0,
      metrics: createMetrics({ defaultMetrics: false }),
      storePingTimeoutMs: PING_TIMEOUT_MS,
      health: { gatewayConnected: () => gatewayReady(client), pingStore: () => pingStore() },
      statusSource: async () => {
        throw new Error('unused');
      },
    });
    return server;
  };

  it('is 200 while connected, 503 with the reason once the gateway is gone, and 200 again after login', async () => {
    const s = await start();
    expect(await healthz(s)).toEqual({ status: 503, body: 'Discord gateway is not connected' });
    client = await ctx.login();
    expect(await healthz(s)).toEqual({ status: 200, body: 'ok' });

    await client.destroy();
    expect(await healthz(s)).toEqual({ status: 503, body: 'Discord gateway is not connected' });

    client = await ctx.login();
    expect(await healthz(s)).toEqual({ status: 200, body: 'ok' });
  });

  it('the gateway check turns false the moment Discord drops the connection, and true once it resumed', async () => {
    const s = await start();
    client = await ctx.login();
    const c = client;
    // Read synchronously inside the event: the resume that follows is too fast to catch with an HTTP round trip.
    const duringDrop = new Promise<boolean>((resolve) =>
      c.once(Events.ShardReconnecting, () => resolve(gatewayReady(c))),
    );
    const resumed = new Promise<void>((resolve) => c.once(Events.ShardResume, () => resolve()));
    ctx.fake.killGateway();
    expect(await duringDrop).toBe(false);
    await resumed;
    expect(await healthz(s)).toEqual({ status: 200, body: 'ok' });
  });

  it('is 503 when the store fails or does not answer in time, and recovers', async () => {
    const s = await start();
    client = await ctx.login();
    expect((await healthz(s)).status).toBe(200);

    pingStore = async () => {
      throw new Error('SQLITE_IOERR: disk I/O error at /secret/path');
    };
    expect(await healthz(s)).toEqual({ status: 503, body: `store did not answer within ${PING_TIMEOUT_MS} ms` });

    let hung = 0;
    pingStore = () => {
      hung += 1;
      return new Promise<void>(() => undefined);
    };
    const started = Date.now();
    // Three probes at once share one ping in flight: a hanging database does not pile up reads.
    const results = await Promise.all([healthz(s), healthz(s), healthz(s)]);
    expect(results.map((r) => r.status)).toEqual([503, 503, 503]);
    expect(hung).toBe(1);
    expect(Date.now() - started).toBeLessThan(PING_TIMEOUT_MS + 1_000);

    pingStore = async () => {
      await store.getGuildSettings('0');
    };
    expect((await healthz(s)).status).toBe(200);
  });
});
