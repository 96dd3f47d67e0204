#!/usr/bin/env node
// Entry point of `npx tributary`: loads the TypeScript CLI through tsx, so there is no build step.
import { register } from 'tsx/esm/api';

register();
// `tributary invoke ... | head` closes the pipe early; that is not an error.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});
const { runCli } = await import('../local/cli.ts');
process.exitCode = await runCli(process.argv.slice(2));
