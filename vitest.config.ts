import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // End-to-end tests start real servers and a real discord.js client: give them room, but bounded.
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // Most suites wait on loopback I/O and timers, not the CPU: three workers on two cores keep both busy.
    maxWorkers: 3,
  },
});
