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
      serializers: { err: withoutRequestBody },
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

/** discord.js errors carry the request they failed on, i.e. our answer text: drop it, keep status and code. */
function withoutRequestBody(error: unknown): unknown {
  const serialized = pino.stdSerializers.err(error as Error) as unknown as Record<string, unknown>;
  if (serialized && typeof serialized === 'object') delete serialized.requestBody;
  return serialized;
}

/** A logger that drops everything, for tests and tools. */
export const silentLogger = (): Logger => pino({ level: 'silent' });
