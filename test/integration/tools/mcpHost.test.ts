/** The MCP host against real servers: our test server and server-everything over stdio, ours over HTTP. */
import { writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/log.js';
import { startMcpHost, type McpHost } from '../../../src/tools/mcpHost.js';
import type { ConnectionState } from '../../../src/tools/mcpConnection.js';
import {
  everythingServerStdio,
  startTestMcpHttpServer,
  testServerStdio,
  type TestMcpHttpServer,
} from '../../fakes/mcp/index.js';
import { makeTempDir } from '../../helpers/tempDir.js';

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Resolves when `server` reaches `state` (bounded). */
function stateWatcher() {
  const waiters: { server: string; state: ConnectionState; resolve: () => void }[] = [];
  const onServerState = (server: string, state: ConnectionState) => {
    for (const w of waiters.filter((w) => w.server === server && w.state === state)) w.resolve();
  };
  const reach = (server: string, state: ConnectionState, ms = 10_000) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${server} never became ${state}`)), ms);
      waiters.push({ server, state, resolve: () => (clearTimeout(timer), resolve()) });
    });
  return { onServerState, reach };
}

const stats = async (host: McpHost, name = 'test__stats') =>
  JSON.parse((await host.call(name, '{}')).content) as { pid: number; calls: Record<string, number> };

describe('MCP host with real servers', () => {
  let host: McpHost;
  let http: TestMcpHttpServer;
  const temp = makeTempDir('mcp-host-');
  const failFlag = join(temp.dir, 'refuse');
  const watcher = stateWatcher();

  beforeAll(async () => {
    http = await startTestMcpHttpServer({ pageSize: 2 });
    host = await startMcpHost({
      servers: {
        test: testServerStdio({ pageSize: 3, extraTools: 4, env: { FAIL_IF_EXISTS: failFlag } }),
        everything: everythingServerStdio(),
        web: { kind: 'http', url: http.url, headers: { authorization: 'Bearer test-secret' } },
        broken: { kind: 'stdio', command: join(temp.dir, 'no-such-server'), args: [] },
      },
      logger: silentLogger(),
      toolTimeoutMs: 400,
      maxResultChars: 1_000,
      connectTimeoutMs: 15_000,
      reconnect: { initialBackoffMs: 50, maxBackoffMs: 100 },
      onServerState: watcher.onServerState,
    });
  });
  afterAll(async () => {
    await host?.close();
    await http?.close();
    temp.remove();
  });

  it('offers every tool of the servers that started, sorted, and leaves the broken one out', () => {
    const names = host.definitions().map((d) => d.function.name);
    expect(names).toEqual([...names].sort());
    expect(names).toContain('everything__echo');
    expect(names).toContain('everything__get-sum');
    // 7 tools + 4 extra over pages of 3 (stdio) and 7 over pages of 2 (HTTP): pagination was followed.
    expect(names.filter((n) => n.startsWith('test__'))).toHaveLength(11);
    expect(names.filter((n) => n.startsWith('web__'))).toHaveLength(7);
    expect(names.some((n) => n.startsWith('broken'))).toBe(false);
    expect(host.servers().map((s) => s.name)).toEqual(['everything', 'test', 'web']);
    const strict = host.definitions().find((d) => d.function.name === 'test__strict');
    expect(strict?.function.parameters).toMatchObject({ required: ['count', 'mode'] });
  });

  it('calls tools over stdio and Streamable HTTP (with the configured headers)', async () => {
    expect(await host.call('test__echo', '{"text":"hi"}')).toMatchObject({ ok: true, content: 'echo: hi' });
    expect(await host.call('everything__get-sum', '{"a":2,"b":40}')).toMatchObject({ ok: true });
    expect((await host.call('everything__get-sum', '{"a":2,"b":40}')).content).toContain('42');
    expect(await host.call('web__echo', '{"text":"over http"}')).toMatchObject({
      ok: true,
      content: 'echo: over http',
    });
    expect(http.requests.some((r) => r.headers.authorization === 'Bearer test-secret')).toBe(true);
  });

  it('rejects invalid arguments without calling the server', async () => {
    const before = (await stats(host)).calls.strict ?? 0;
    const bad = await host.call('test__strict', '{"count":11,"mode":"reckless"}');
    expect(bad).toMatchObject({ ok: false, kind: 'invalid_arguments' });
    expect(bad.content).toMatch(/count must be <= 10/);
    expect(await host.call('test__strict', '{"count": 3,')).toMatchObject({ kind: 'invalid_arguments' });
    expect((await stats(host)).calls.strict ?? 0).toBe(before);
    expect(await host.call('test__strict', '{"count":3,"mode":"fast"}')).toMatchObject({ ok: true });
    expect((await stats(host)).calls.strict).toBe(before + 1);
  });

  it('returns isError results, timeouts and unknown tools as error results', async () => {
    const failed = await host.call('test__fail', '{}');
    expect(failed).toMatchObject({ ok: false, kind: 'tool_error' });
    expect(failed.content).toContain('the database is on fire');
    const started = Date.now();
    const slow = await host.call('test__slow', '{"ms":5000}');
    expect(slow).toMatchObject({ ok: false, kind: 'timeout' });
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(await host.call('nope__nothing', '{}')).toMatchObject({ ok: false, kind: 'unknown_tool' });
    // server-everything's long operation, bounded by the same timeout
    expect(await host.call('everything__trigger-long-running-operation', '{"duration":5,"steps":5}')).toMatchObject({
      kind: 'timeout',
    });
  });

  it('cancels a running call when the signal aborts', async () => {
    const controller = new AbortController();
    const call = host.call('test__slow', '{"ms":300}', controller.signal);
    controller.abort();
    expect(await call).toMatchObject({ ok: false, kind: 'aborted' });
  });

  it('truncates big results with a marker and summarises images', async () => {
    const big = await host.call('test__big', '{"chars":50000}');
    expect(big.ok).toBe(true);
    expect(big.content.length).toBeLessThanOrEqual(1_000);
    expect(big.content).toMatch(/truncated: \d+ of 50000 characters shown/);
    const picture = await host.call('test__picture', '{}');
    expect(picture.content).toMatch(/^a picture:\n\[image image\/png, \d+ bytes, not shown\]$/);
  });

  it('reconnects a server killed mid-run on next use; reports it unavailable while it cannot start', async () => {
    const { pid } = await stats(host);
    const down = watcher.reach('test', 'disconnected');
    process.kill(pid, 'SIGKILL');
    await down;
    const again = await stats(host);
    expect(again.pid).not.toBe(pid);
    expect(await host.call('test__echo', '{"text":"back"}')).toMatchObject({ ok: true, content: 'echo: back' });

    writeFileSync(failFlag, '');
    const downAgain = watcher.reach('test', 'disconnected');
    process.kill(again.pid, 'SIGKILL');
    await downAgain;
    const unavailable = await host.call('test__echo', '{"text":"x"}');
    expect(unavailable).toMatchObject({ ok: false, kind: 'unavailable' });
    expect(host.definitions().some((d) => d.function.name === 'test__echo')).toBe(true);
    rmSync(failFlag);
    // Bounded backoff (50–100 ms here): a later use reconnects.
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(await host.call('test__echo', '{"text":"x"}')).toMatchObject({ ok: true });
  });

  it('close() stops every child process', async () => {
    const pids = host.servers().flatMap((s) => (s.pid ? [s.pid] : []));
    expect(pids).toHaveLength(2);
    await host.close();
    for (const pid of pids) expect(isAlive(pid)).toBe(false);
    expect(host.servers().every((s) => s.state === 'closed')).toBe(true);
  });
});
