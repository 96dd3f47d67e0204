/**
 * The CLI as a user runs it, in its own process: `npm start` in a pseudo-terminal (util-linux
 * `script`, so Ctrl-C reaches the whole foreground process group as from a real terminal) and
 * `bin/tributary.js` commands. Each test gets its own state folder (twin.json) and store folder.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { waitFor } from './wait-for.js';

export const REPO = resolve(import.meta.dirname, '../..');

export interface Sandbox {
  /** Holds twin.json (TRIBUTARY_STATE_DIR). */
  stateDir: string;
  /** The store's folder (TRIBUTARY_DATA_DIR). */
  dataDir: string;
  env: NodeJS.ProcessEnv;
}

/** A fresh state and store folder; store: the engine (TRIBUTARY_STORE), the embedded server by default. */
export function sandbox(store: 'postgres' | 'pglite' = 'postgres'): Sandbox {
  const root = mkdtempSync(join(tmpdir(), 'tributary-cli-'));
  // The embedded server runs as the OS user postgres when the tests run as root: it must enter the folder.
  chmodSync(root, 0o755);
  const stateDir = join(root, 'state');
  const dataDir = join(root, store);
  const env = {
    ...process.env,
    TRIBUTARY_STORE: store,
    TRIBUTARY_STATE_DIR: stateDir,
    TRIBUTARY_DATA_DIR: dataDir,
    DATABASE_URL: '',
    KAFKA_BROKERS: '',
  };
  return { stateDir, dataDir, env };
}

export interface RunningProcess {
  readonly child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
  waitForOutput(text: string | RegExp, timeoutMs?: number): Promise<void>;
}

function track(child: ChildProcess): RunningProcess {
  let text = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    text += chunk.toString('utf8');
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    text += chunk.toString('utf8');
  });
  const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
  return {
    child,
    output: () => text,
    exited,
    waitForOutput: (pattern, timeoutMs = 120_000) =>
      waitFor(
        `output ${String(pattern)}; so far:\n${text.slice(-2000)}`,
        () => (typeof pattern === 'string' ? text.includes(pattern) : pattern.test(text)),
        timeoutMs,
      ),
  };
}

/**
 * `npm start -- <args>` in a pseudo-terminal; write '\x03' to stdin for a Ctrl-C.
 *
 * `exec`: an interactive shell gives the job its own foreground process group, so the key press
 * never reaches the shell. `script -c` runs a non-interactive `$SHELL -c` (/bin/sh, dash, when
 * SHELL is unset, as under CI) that would stay in the group, wait for npm, and then die of the
 * SIGINT itself: exit 130 whatever npm and the twin did. With `exec` npm leads the group, as in a
 * terminal.
 */
export function npmStartInTerminal(box: Sandbox, args: string[]): RunningProcess {
  const command = `exec ${['npm', 'start', '--', ...args].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(' ')}`;
  return track(spawn('script', ['-qfec', command, '/dev/null'], { cwd: REPO, env: box.env, stdio: ['pipe', 'pipe', 'pipe'] }));
}

/** `tributary <args>` (bin/tributary.js), started. */
export function tributary(box: Sandbox, args: string[]): RunningProcess {
  return track(
    spawn(process.execPath, [join(REPO, 'bin/tributary.js'), ...args], { cwd: REPO, env: box.env, stdio: ['ignore', 'pipe', 'pipe'] }),
  );
}

/** Runs `tributary <args>` to the end: exit code, output, and how long it took. */
export async function runTributary(box: Sandbox, args: string[]): Promise<{ code: number | null; output: string; ms: number }> {
  const started = Date.now();
  const run = tributary(box, args);
  const code = await run.exited;
  return { code, output: run.output(), ms: Date.now() - started };
}
