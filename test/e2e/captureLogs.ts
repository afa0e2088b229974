import { PassThrough } from 'node:stream';
import { createLogger, type Logger } from '../../src/log.js';

/** The bot's log lines as parsed JSON objects, for tests that wait on what the bot reports. */
export function captureLogs(): { entries: Array<Record<string, unknown>>; logger: Logger } {
  const entries: Array<Record<string, unknown>> = [];
  const sink = new PassThrough();
  sink.on('data', (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n').filter(Boolean))
      entries.push(JSON.parse(line) as Record<string, unknown>);
  });
  return { entries, logger: createLogger('info', sink) };
}
