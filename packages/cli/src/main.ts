#!/usr/bin/env node
import { createInterface } from 'node:readline/promises';

const interrupted = new AbortController();
process.on('SIGINT', () => {
  // The first Ctrl-C asks the command to stop cleanly; a second one does not wait.
  if (interrupted.signal.aborted) process.exit(130);
  interrupted.abort();
});
// `mediabot tail | head` closes our stdout: that is the reader saying it has seen enough.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

// Loaded after the handlers above: a Ctrl-C while the drivers load is already ours to handle.
const { runCli } = await import('./cli.ts');
process.exitCode = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
  cwd: process.cwd(),
  now: () => performance.now(),
  signal: interrupted.signal,
  stderrIsTTY: process.stderr.isTTY,
  stdinIsTTY: process.stdin.isTTY,
  async confirm(question) {
    const terminal = createInterface({ input: process.stdin, output: process.stderr });
    try {
      return /^y(es)?$/i.test((await terminal.question(question)).trim());
    } finally {
      terminal.close();
    }
  },
});
