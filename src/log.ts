import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * Structured logs on stdout. Secrets and message text are redacted by key wherever they appear, so a careless
 * `log.info({ config })` or `log.debug({ request })` can never print a token, an API key or what a user wrote.
 */
export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  return pino(
    {
      level,
      base: undefined,
      redact: {
        paths: [
          'token',
          'apiKey',
          'authorization',
          'headers.authorization',
          '*.token',
          '*.apiKey',
          '*.authorization',
          '*.*.token',
          '*.*.apiKey',
          'content',
          '*.content',
          'messages',
          '*.messages',
        ],
        censor: '[redacted]',
      },
    },
    destination as pino.DestinationStream | undefined,
  );
}

/** A logger that drops everything, for tests and tools. */
export const silentLogger = (): Logger => pino({ level: 'silent' });
