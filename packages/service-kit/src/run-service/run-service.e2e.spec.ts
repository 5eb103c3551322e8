import { spawn } from 'node:child_process';
import { EventEmitter, once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const tinyService = fileURLToPath(new URL('./fixtures/tiny-service.ts', import.meta.url));

const goodEnv = {
  DATABASE_URL: 'postgres://postgres:pg-secret@127.0.0.1:5432/postgres',
  RABBITMQ_URL: 'amqp://guest:guest@127.0.0.1:5672',
  REDIS_URL: 'redis://127.0.0.1:6379',
  HTTP_PORT: '0',
  GREETING: 'hi',
};

function startTiny(env: Record<string, string>) {
  const child = spawn(process.execPath, [tinyService], {
    env: { PATH: process.env['PATH'] ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const records: Array<Record<string, unknown>> = [];
  const logged = new EventEmitter();
  createInterface({ input: child.stdout }).on('line', (line) => {
    const record = JSON.parse(line) as Record<string, unknown>;
    records.push(record);
    logged.emit('record', record);
  });
  // 'close' comes after the child's stdout and stderr have ended: every line has been read.
  const closed = once(child, 'close') as Promise<[number | null, NodeJS.Signals | null]>;

  function waitFor(message: string): Promise<Record<string, unknown>> {
    return new Promise((resolve, reject) => {
      const onRecord = (record: Record<string, unknown>) => {
        if (record['msg'] !== message) return;
        logged.off('record', onRecord);
        resolve(record);
      };
      logged.on('record', onRecord);
      void closed.then(() =>
        reject(new Error(`exited before logging "${message}"; stderr: ${stderr}`)),
      );
    });
  }
  async function finish() {
    const [code] = await closed;
    const hooksRun = records.filter((record) => record['msg'] === 'shutdown hook done');
    return {
      code,
      stderr,
      messages: records.map((record) => record['msg']),
      hooksRun: hooksRun.map((record) => record['hook']),
    };
  }
  return { child, waitFor, finish };
}

describe('runService', () => {
  it('prints every configuration problem plainly and exits 1', async () => {
    const tiny = startTiny({
      DATABASE_URL: 'mysql://root:db-secret@db/x',
      HTTP_PORT: 'eighty',
      LOG_LEVEL: 'chatty',
    });
    const { code, stderr, messages } = await tiny.finish();

    expect(code).toBe(1);
    expect(messages).toEqual([]);
    expect(stderr).not.toContain('db-secret');
    expect(stderr).not.toMatch(/^\s+at /m);
    const lines = stderr.trim().split('\n');
    expect(lines[0]).toBe('tiny: Invalid configuration:');
    expect(
      lines
        .slice(1)
        .map((line) => line.trim().split(':')[0])
        .sort(),
    ).toEqual(['DATABASE_URL', 'GREETING', 'HTTP_PORT', 'LOG_LEVEL', 'RABBITMQ_URL', 'REDIS_URL']);
  });

  it('serves health and readiness once started, and shuts down in order on SIGTERM', async () => {
    const tiny = startTiny(goodEnv);
    const ready = await tiny.waitFor('ready');
    const base = `http://127.0.0.1:${String(ready['httpPort'])}`;

    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const readyz = await fetch(`${base}/readyz`);
    expect(readyz.status).toBe(200);
    expect(await readyz.json()).toMatchObject({ checks: { always: { ok: true } } });
    expect(await (await fetch(`${base}/metrics`)).text()).toContain('service="tiny"');

    tiny.child.kill('SIGTERM');
    const { code, messages, hooksRun } = await tiny.finish();
    expect(code).toBe(0);
    expect(hooksRun).toEqual(['mark not ready', 'tiny consumer', 'http server', 'telemetry']);
    expect(messages.filter((message) => message !== 'shutdown hook done')).toEqual([
      'http server listening',
      'started',
      'ready',
      'shutting down',
      'stopping tiny consumer',
      'shutdown complete',
    ]);
  });

  it('exits 1 when start fails', async () => {
    const { code, messages } = await startTiny({ ...goodEnv, FAIL_START: 'yes' }).finish();
    expect(code).toBe(1);
    expect(messages).toContain('failed to start');
    expect(messages.at(-1)).toBe('shutdown complete');
  });
});
