/** Runs the real bot in this (child) process from env, prints `ready` once it is, and runs until killed. */
import { startBot } from '../../../src/app.js';
import { loadConfig } from '../../../src/config/config.js';
import { createLogger } from '../../../src/log.js';

const config = loadConfig(process.env);
await startBot(config, createLogger(config.logLevel));
process.stdout.write('ready\n');
