import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import { spawnNode } from './spawn-node.ts';

const linePrinter = fileURLToPath(new URL('./fixtures/line-printer.ts', import.meta.url));
const spawnsAndExits = fileURLToPath(new URL('./fixtures/spawns-and-exits.ts', import.meta.url));

/** Running, as opposed to gone or a zombie waiting for init to reap it. */
function isRunning(pid: number): boolean {
  try {
    const state = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0];
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

describe('spawnNode', () => {
  it('runs a .ts file, passes env and reads its lines', async () => {
    const child = spawnNode(linePrinter, { env: { GREETING: 'hello' } });
    expect(await child.waitForLine(/^greeting=/)).toBe('greeting=hello');
    expect(await child.waitForLine(/^ready/)).toBe(`ready ${child.pid}`);

    expect(await child.kill('SIGTERM')).toEqual({ code: 0, signal: null });
    const lines: string[] = [];
    for await (const line of child.stdoutLines()) lines.push(line);
    expect(lines).toEqual([`ready ${child.pid}`, 'greeting=hello', 'bye']);
  });

  it('reports a signal death', async () => {
    const child = spawnNode(linePrinter, {});
    await child.waitForLine(/^ready/);
    expect(await child.kill('SIGKILL')).toEqual({ code: null, signal: 'SIGKILL' });
  });

  it('rejects a wait when the process ends without the line', async () => {
    const child = spawnNode(linePrinter, { args: ['exit-early'] });
    await expect(child.waitForLine(/^never/)).rejects.toThrow(/ended output without a line/);
    expect(await child.exited).toEqual({ code: 3, signal: null });
  });

  it('kills its children when the process that spawned them exits', async () => {
    const parent = spawnNode(spawnsAndExits, {});
    const line = await parent.waitForLine(/^child \d+$/);
    await parent.exited;
    const childPid = Number(line.split(' ')[1]);
    // SIGKILL is delivered asynchronously: wait for it to land rather than race it.
    await vi.waitFor(() => expect(isRunning(childPid)).toBe(false), { timeout: 5_000 });
  });
});
