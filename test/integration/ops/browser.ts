import { chromium, type BrowserContext } from 'playwright-core';
import { makeTempDir } from '../../helpers/tempDir.js';

/** Debian's chromium (scripts/install-test-deps.sh installs it). */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** A headless Chromium with a fresh profile; `close` also removes the profile. */
export async function launchChromium(): Promise<{ context: BrowserContext; close: () => Promise<void> }> {
  const profile = makeTempDir('ops-chromium-');
  try {
    // --user-data-dir is playwright's launchPersistentContext argument; headless adds --headless.
    const context = await chromium.launchPersistentContext(profile.dir, {
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: ARGS,
      viewport: { width: 1000, height: 900 },
      timeout: 20_000,
    });
    return {
      context,
      close: async () => {
        await context.close();
        profile.remove();
      },
    };
  } catch (error) {
    profile.remove();
    throw error;
  }
}
