/**
 * The import-direction rules (.dependency-cruiser.cjs) catch what they say they catch: a scratch
 * tree with one wrong-direction import of each kind is refused by rule name, the same tree with the
 * imports the right way round passes. (`npm test` runs the same rules over the real tree.)
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const REPO = resolve(import.meta.dirname, '../..');
const run = promisify(execFile);
const scratch: string[] = [];
afterAll(() => {
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

/** Writes `files` (path -> source) into a new folder with the project's tsconfig. */
function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'dep-rules-'));
  scratch.push(root);
  writeFileSync(join(root, 'tsconfig.json'), JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext' } }));
  for (const [path, source] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), source);
  }
  return root;
}

/** Runs depcruise with the project's rules over a tree: exit code and output. */
async function cruise(root: string): Promise<{ code: number; output: string }> {
  const args = ['src', 'functions', 'infra', 'local', 'bench', 'test', '--config', join(REPO, '.dependency-cruiser.cjs'), '--output-type', 'err'];
  try {
    const { stdout } = await run(join(REPO, 'node_modules/.bin/depcruise'), args, { cwd: root });
    return { code: 0, output: stdout };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, output: `${failed.stdout}${failed.stderr}` };
  }
}

const fine = {
  'src/core/rate.ts': 'export const rate = 1;\n',
  'functions/sink/handler.ts': "import { rate } from '../../src/core/rate.js';\nexport const handler = () => rate;\n",
  'infra/stack.ts': "import { rate } from '../src/core/rate.js';\nexport const stack = rate;\n",
  'local/twin/twin.ts': "import { handler } from '../../functions/sink/handler.js';\nexport const twin = handler;\n",
  'bench/run.ts': "import { twin } from '../local/twin/twin.js';\nexport const bench = twin;\n",
  'test/twin.test.ts': "import { twin } from '../local/twin/twin.js';\nexport const t = twin;\n",
};

describe('dependency rules', () => {
  it('pass a tree whose imports point the right way', async () => {
    const { code, output } = await cruise(tree(fine));
    expect(output).not.toMatch(/error/);
    expect(code).toBe(0);
  }, 60_000);

  it('refuse each kind of wrong-direction import by name', async () => {
    const root = tree({
      ...fine,
      'src/core/uses-twin.ts': "import { twin } from '../../local/twin/twin.js';\nexport const x = twin;\n",
      'functions/sink/uses-stack.ts': "import { stack } from '../../infra/stack.js';\nexport const y = stack;\n",
      'infra/uses-handler.ts': "import { handler } from '../functions/sink/handler.js';\nexport const z = handler;\n",
      'local/twin/uses-infra.ts': "import { stack } from '../../infra/stack.js';\nexport const w = stack;\n",
      'bench/uses-test.ts': "import { t } from '../test/twin.test.js';\nexport const v = t;\n",
      // A folder cycle made of imports that are each allowed: local/a -> local/b -> local/a.
      'local/a/one.ts': "import { two } from '../b/two.js';\nexport const one = two;\n",
      'local/b/two.ts': "import { three } from '../a/three.js';\nexport const two = three;\n",
      'local/a/three.ts': 'export const three = 3;\n',
    });
    const { code, output } = await cruise(root);
    expect(code).not.toBe(0);
    expect(output).toMatch(/src-stands-alone: src\/core\/uses-twin\.ts → local\/twin\/twin\.ts/);
    expect(output).toMatch(/functions-use-src: functions\/sink\/uses-stack\.ts → infra\/stack\.ts/);
    expect(output).toMatch(/infra-uses-src: infra\/uses-handler\.ts → functions\/sink\/handler\.ts/);
    expect(output).toMatch(/local-uses-src-and-functions: local\/twin\/uses-infra\.ts → infra\/stack\.ts/);
    expect(output).toMatch(/nothing-imports-tests: bench\/uses-test\.ts → test\/twin\.test\.ts/);
    expect(output).toMatch(/no-folder-cycles: local\/a/);
  }, 60_000);
});
