import { EventEmitter } from 'node:events';
import { describe, expect, it, vi } from 'vitest';
import { createLogger } from '../logging/index.ts';
import { createShutdown } from './create-shutdown.ts';

function setup(timeoutMs = 5_000) {
  const lines: string[] = [];
  const logger = createLogger({
    service: 'test',
    level: 'info',
    destination: { write: (line) => void lines.push(line) },
  });
  const signals = new EventEmitter();
  const exit = vi.fn<(code: number) => void>();
  const shutdown = createShutdown({ logger, timeoutMs, exit, signalSource: signals });
  const messages = () => lines.map((line) => (JSON.parse(line) as { msg: string }).msg);
  return { shutdown, signals, exit, messages };
}

describe('createShutdown', () => {
  it('runs hooks in reverse registration order, then exits 0', async () => {
    const { shutdown, exit } = setup();
    const order: string[] = [];
    shutdown.register('database pool', () => void order.push('database pool'));
    shutdown.register('consumer', async () => {
      await Promise.resolve();
      order.push('consumer');
    });

    expect(await shutdown.run('test')).toBe(0);
    expect(order).toEqual(['consumer', 'database pool']);
    expect(exit).toHaveBeenCalledExactlyOnceWith(0);
  });

  it('runs once on SIGTERM however often it is asked', async () => {
    const { shutdown, signals, exit } = setup();
    const hook = vi.fn();
    shutdown.register('hook', hook);

    signals.emit('SIGTERM');
    expect(shutdown.started).toBe(true);
    await shutdown.run('again');
    await shutdown.run('and again');

    expect(hook).toHaveBeenCalledOnce();
    expect(exit).toHaveBeenCalledExactlyOnceWith(0);
    expect(signals.listenerCount('SIGTERM')).toBe(0);
    expect(signals.listenerCount('SIGINT')).toBe(0);
  });

  it('keeps going past a failing hook and exits 1', async () => {
    const { shutdown, exit, messages } = setup();
    const after = vi.fn();
    shutdown.register('after', after);
    shutdown.register('broken', () => {
      throw new Error('boom');
    });

    expect(await shutdown.run('test')).toBe(1);
    expect(after).toHaveBeenCalledOnce();
    expect(exit).toHaveBeenCalledExactlyOnceWith(1);
    expect(messages()).toContain('shutdown hook failed');
  });

  it('exits 1 when the hooks outlast the timeout', async () => {
    const { shutdown, exit, messages } = setup(10);
    shutdown.register('stuck', () => new Promise<void>(() => {}));

    expect(await shutdown.run('test')).toBe(1);
    expect(exit).toHaveBeenCalledExactlyOnceWith(1);
    expect(messages()).toContain('shutdown hooks did not finish in time, exiting anyway');
  });

  it('exits at once on a second signal while hooks are still running', async () => {
    const { shutdown, signals, exit } = setup();
    let release = () => {};
    const hookStarted = new Promise<void>((started) => {
      shutdown.register(
        'slow',
        () => new Promise<void>((resolve) => ((release = resolve), started())),
      );
    });

    signals.emit('SIGINT');
    await hookStarted;
    signals.emit('SIGINT');
    expect(exit).toHaveBeenCalledExactlyOnceWith(1);

    release();
    await shutdown.run('done');
  });

  it('passes a requested exit code through', async () => {
    const { shutdown, exit } = setup();
    expect(await shutdown.run('start failed', { exitCode: 1 })).toBe(1);
    expect(exit).toHaveBeenCalledExactlyOnceWith(1);
  });
});
