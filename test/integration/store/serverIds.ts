import { randomUUID } from 'node:crypto';

/** A random snowflake-shaped id: the test databases are shared by every run, so each test uses fresh ids. */
export const freshSnowflake = (): string =>
  String(BigInt(`0x${randomUUID().replace(/-/g, '').slice(0, 14)}`) + 100000000000000000n);
