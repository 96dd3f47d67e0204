/**
 * The dashboard page's script as the server serves it: page/ bundled into one browser script,
 * built once per process, with nothing of the server's runtime code in it (its imports of the
 * query API's types vanish).
 */
import { describe, expect, it } from 'vitest';
import { dashboardPageScript } from '../../local/dashboard/page-bundle.js';

describe('dashboard page bundle', () => {
  it('is one self-contained browser script made of the page modules only', async () => {
    const script = (await dashboardPageScript()).toString('utf8');

    expect(script.startsWith('"use strict";\n(() => {')).toBe(true);
    expect(script).not.toMatch(/\brequire\(|\bimport\s*[{("']|\bexport\s/);
    const modules = [...script.matchAll(/^ {2}\/\/ (\S+\.ts)$/gm)].map((m) => m[1] ?? '');
    expect(modules).toContain('local/dashboard/page/main.ts');
    expect(modules.filter((m) => !m.startsWith('local/dashboard/page/'))).toEqual([]);
    expect(script).toContain('[data-testid="api-error"]');
  });

  it('is built once and kept', async () => {
    expect(await dashboardPageScript()).toBe(await dashboardPageScript());
  });
});
