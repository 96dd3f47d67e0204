/**
 * Ctrl-C from a real terminal through `npm start`: the terminal signals the whole foreground
 * process group (npm, the shell, node) and npm forwards its copy, yet the twin stops the
 * generator, drains every stage and exits 0 with its summary.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { npmStartInTerminal, type RunningProcess, sandbox } from '../helpers/cli-process.js';

describe('npm start in a terminal', () => {
  let run: RunningProcess | undefined;
  afterAll(() => {
    if (run && run.child.exitCode === null) run.child.kill('SIGKILL');
  });

  it('drains on Ctrl-C and exits 0', async () => {
    const box = sandbox();
    run = npmStartInTerminal(box, ['--port', '0', '--rate', '300', '--partitions', '2']);
    await run.waitForOutput('Ctrl-C stops, drains', 180_000);
    // Records in flight when the key is pressed: the drain has something to finish.
    await run.waitForOutput(/stored [1-9][\d,]* \|/, 120_000);
    run.child.stdin?.write('\x03');
    const code = await run.exited;
    const output = run.output();
    const shown = `exit ${code}; output:\n${output.slice(-3000)}`;
    expect(output, shown).toContain('Stopping: generator stopped, draining');
    expect(output, shown).not.toContain('stopping now without draining');
    expect(output, shown).toContain('drained: every stage consumed everything before it');
    expect(code, shown).toBe(0);
  }, 300_000);
});
