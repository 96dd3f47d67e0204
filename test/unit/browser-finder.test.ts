/** The dashboard test's browser: found on PATH, where the platform keeps it, or by TRIBUTARY_BROWSER; else the install hint. */
import { describe, expect, it } from 'vitest';
import { BROWSER_INSTALL_HINT, BrowserNotFoundError, findBrowser, requireBrowser } from '../helpers/browser.js';

const only =
  (...paths: string[]) =>
  (path: string) =>
    paths.includes(path);

describe('findBrowser', () => {
  it('takes a browser on PATH first', () => {
    expect(
      findBrowser({
        env: { PATH: '/opt/x/bin:/usr/local/bin' },
        platform: 'linux',
        isExecutable: only('/usr/local/bin/chromium', '/usr/bin/chromium'),
      }),
    ).toBe('/usr/local/bin/chromium');
  });

  it('looks where the platform installs it when PATH has none', () => {
    expect(findBrowser({ env: { PATH: '/nothing' }, platform: 'linux', isExecutable: only('/usr/bin/chromium') })).toBe(
      '/usr/bin/chromium',
    );
    const mac = '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome';
    expect(findBrowser({ env: { PATH: '/nothing' }, platform: 'darwin', isExecutable: only(mac) })).toBe(mac);
    expect(findBrowser({ env: { PATH: '/nothing' }, platform: 'darwin', isExecutable: only('/usr/bin/chromium') })).toBeUndefined();
  });

  it('uses TRIBUTARY_BROWSER when set, and says so when it is not there', () => {
    expect(
      findBrowser({ env: { TRIBUTARY_BROWSER: '/my/chrome', PATH: '/usr/bin' }, isExecutable: only('/my/chrome', '/usr/bin/chromium') }),
    ).toBe('/my/chrome');
    expect(() => findBrowser({ env: { TRIBUTARY_BROWSER: '/gone' }, isExecutable: only() })).toThrow(
      /TRIBUTARY_BROWSER=\/gone is not an executable/,
    );
  });

  it('without any browser, fails with the install hint and no stack trace', () => {
    let error: unknown;
    try {
      requireBrowser({ env: { PATH: '/nothing' }, platform: 'linux', isExecutable: only() });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(BrowserNotFoundError);
    expect((error as Error).message).toContain(BROWSER_INSTALL_HINT);
    expect((error as Error).stack).not.toMatch(/\n\s+at /);
  });
});
