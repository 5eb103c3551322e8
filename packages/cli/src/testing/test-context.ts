import { PassThrough, Readable, Writable } from 'node:stream';
import type { CliContext } from '../context.ts';

/** Collects what a stream receives, as text. */
export function textCollector(): Writable & { text(): string } {
  let text = '';
  const sink = new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      text += chunk.toString();
      callback();
    },
  });
  return Object.assign(sink, { text: () => text });
}

/** A CliContext for running commands in-process, with its outputs kept for assertions. */
export function testContext(overrides: Partial<CliContext> = {}) {
  const stdout = textCollector();
  const stderr = textCollector();
  const interrupt = new AbortController();
  const context: CliContext = {
    stdout,
    stderr,
    stdin: Readable.from([]),
    env: {},
    cwd: process.cwd(),
    now: () => performance.now(),
    signal: interrupt.signal,
    stderrIsTTY: false,
    stdinIsTTY: false,
    confirm: () => Promise.reject(new Error('a test must not ask questions')),
    ...overrides,
  };
  return { context, stdout, stderr, interrupt };
}

export function stdinFrom(text: string): PassThrough {
  const stdin = new PassThrough();
  stdin.end(text);
  return stdin;
}
