/** One owner per local store: the owner file is taken exclusively, refused while its pid runs, taken over when stale. */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lockStoreFolder, StoreBusyError, storeOwnerFile } from '../../local/twin/local-store.js';
import { acquireOwnerFile, currentOwner, OwnedElsewhereError } from '../../local/twin/owner-file.js';

const dir = () => mkdtempSync(join(tmpdir(), 'tributary-owner-'));
/** A pid that ran and has exited. */
const deadPid = () => spawnSync(process.execPath, ['-e', '0']).pid as number;

describe('owner file', () => {
  it('is taken, updated and released by its owner', () => {
    const path = join(dir(), 'x.owner.json');
    const owner = acquireOwnerFile(path, { command: 'tributary query' });
    expect(currentOwner(path)).toMatchObject({ pid: process.pid, command: 'tributary query' });
    owner.update({ url: 'http://127.0.0.1:1/' });
    expect(JSON.parse(readFileSync(path, 'utf8'))).toMatchObject({ url: 'http://127.0.0.1:1/' });
    owner.release();
    expect(existsSync(path)).toBe(false);
  });

  it('is refused while another live process holds it, naming it', () => {
    const path = join(dir(), 'x.owner.json');
    writeFileSync(path, JSON.stringify({ pid: process.ppid, command: 'tributary start', url: 'http://127.0.0.1:8787/' }));
    expect(() => acquireOwnerFile(path, { command: 'tributary query' })).toThrow(OwnedElsewhereError);
    expect(() => acquireOwnerFile(path, { command: 'tributary query' })).toThrow(`pid ${process.ppid}, http://127.0.0.1:8787/`);
  });

  it('is taken over when its process is gone, and release leaves a file that is no longer ours alone', () => {
    const path = join(dir(), 'x.owner.json');
    writeFileSync(path, JSON.stringify({ pid: deadPid(), command: 'tributary start' }));
    const owner = acquireOwnerFile(path, { command: 'tributary start' });
    expect(currentOwner(path)?.pid).toBe(process.pid);
    writeFileSync(path, JSON.stringify({ pid: process.ppid, command: 'tributary start' }));
    owner.release();
    expect(currentOwner(path)?.pid).toBe(process.ppid);
  });

  it('a store folder held by a twin is refused at once with its pid and URL', async () => {
    const folder = join(dir(), 'pglite');
    writeFileSync(
      storeOwnerFile(folder),
      JSON.stringify({ pid: process.ppid, command: 'tributary start', twin: true, url: 'http://127.0.0.1:9/' }),
    );
    const started = Date.now();
    await expect(lockStoreFolder(folder, 'tributary query', 10_000)).rejects.toThrow(StoreBusyError);
    await expect(lockStoreFolder(folder, 'tributary query', 10_000)).rejects.toThrow(
      `in use by the local twin (pid ${process.ppid}, http://127.0.0.1:9/)`,
    );
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('a store folder held by another command is waited for', async () => {
    const folder = join(dir(), 'pglite');
    const other = acquireOwnerFile(storeOwnerFile(folder), { command: 'tributary query' });
    // Held by this very process under another name: hand it over after a moment, as a finishing command would.
    writeFileSync(storeOwnerFile(folder), JSON.stringify({ pid: process.ppid, command: 'tributary query' }));
    setTimeout(() => writeFileSync(storeOwnerFile(folder), JSON.stringify({ pid: deadPid(), command: 'tributary query' })), 300);
    const owner = await lockStoreFolder(folder, 'tributary dlq replay', 10_000);
    expect(currentOwner(storeOwnerFile(folder))?.command).toBe('tributary dlq replay');
    owner.release();
    other.release();
  });
});
