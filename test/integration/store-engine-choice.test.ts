/**
 * Which local store opens: the location's engine wins over TRIBUTARY_STORE, so a caller that
 * prepared a PGlite folder (the bench) gets PGlite even when the default is the embedded server.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { openPreparedStore, storeDataDir } from '../../local/store/prepared-store.js';

const folders: string[] = [];
afterEach(() => {
  vi.unstubAllEnvs();
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

describe('local store engine', () => {
  it('opens PGlite in a folder named with engine pglite while TRIBUTARY_STORE says postgres', async () => {
    vi.stubEnv('TRIBUTARY_STORE', 'postgres');
    vi.stubEnv('DATABASE_URL', '');
    const dataDir = mkdtempSync(join(tmpdir(), 'tributary-engine-'));
    folders.push(dataDir);
    const store = await openPreparedStore({ dataDir, engine: 'pglite' });
    try {
      expect(store.description).toBe(`PGlite in ${dataDir}`);
      const [row] = await store.client.query<{ n: number }>('SELECT count(*)::int AS n FROM currency_rates');
      expect(row?.n).toBeGreaterThan(0);
    } finally {
      await store.client.close();
    }
  });

  it("takes the engine's default folder from the location's engine", () => {
    vi.stubEnv('TRIBUTARY_STORE', 'postgres');
    vi.stubEnv('TRIBUTARY_DATA_DIR', '');
    expect(storeDataDir({ engine: 'pglite' })).toBe('.data/pglite');
    expect(storeDataDir({})).toBe('.data/postgres');
  });
});
