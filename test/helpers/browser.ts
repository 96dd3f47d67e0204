/**
 * Finds a Chromium-family browser for the dashboard test where the platform keeps it, or where
 * TRIBUTARY_BROWSER names it; when there is none, an error saying how to install one.
 */
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

export const BROWSER_ENV = 'TRIBUTARY_BROWSER';

const PATH_NAMES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable', 'chrome'];

const PLATFORM_PATHS: Partial<Record<NodeJS.Platform, string[]>> = {
  linux: ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/snap/bin/chromium', '/usr/bin/google-chrome'],
  darwin: [
    '/Applications/Chromium.app/Contents/MacOS/Chromium',
    '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
    '/opt/homebrew/bin/chromium',
  ],
};

export const BROWSER_INSTALL_HINT =
  'the dashboard test needs Chromium or Chrome: `sudo apt-get install -y chromium` (Debian/Ubuntu), ' +
  '`brew install --cask chromium` (macOS), or set TRIBUTARY_BROWSER=/path/to/chrome';

export class BrowserNotFoundError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BrowserNotFoundError';
    // What to do is the whole message: where in the test it was thrown says nothing more.
    this.stack = `${this.name}: ${message}`;
  }
}

export interface BrowserSearch {
  env?: NodeJS.ProcessEnv;
  platform?: NodeJS.Platform;
  isExecutable?: (path: string) => boolean;
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The browser's path, or undefined when none is found. Throws when TRIBUTARY_BROWSER names something that is not there. */
export function findBrowser(search: BrowserSearch = {}): string | undefined {
  const env = search.env ?? process.env;
  const isExecutable = search.isExecutable ?? executable;
  const named = env[BROWSER_ENV]?.trim();
  if (named) {
    if (!isExecutable(named)) throw new BrowserNotFoundError(`${BROWSER_ENV}=${named} is not an executable file; ${BROWSER_INSTALL_HINT}`);
    return named;
  }
  const onPath = (env.PATH ?? '')
    .split(delimiter)
    .filter((dir) => dir !== '')
    .flatMap((dir) => PATH_NAMES.map((name) => join(dir, name)));
  return [...onPath, ...(PLATFORM_PATHS[search.platform ?? process.platform] ?? [])].find(isExecutable);
}

/** The browser's path, or BrowserNotFoundError with the install hint. */
export function requireBrowser(search: BrowserSearch = {}): string {
  const found = findBrowser(search);
  if (!found)
    throw new BrowserNotFoundError(`no Chromium or Chrome found on PATH or where the platform installs it; ${BROWSER_INSTALL_HINT}`);
  return found;
}
