import { describe, expect, it, vi } from 'vitest';
import { postgresCheck, rabbitCheck, redisCheck } from './readiness-checks.ts';

describe('readiness checks', () => {
  it('fails RabbitMQ when the connection state says disconnected', async () => {
    let connected = false;
    const check = rabbitCheck(() => connected);
    await expect(check.check()).rejects.toThrow('not connected to RabbitMQ');
    connected = true;
    await expect(check.check()).resolves.toBeUndefined();
  });

  it('fails Redis at once when the client is not ready, without queueing a ping', async () => {
    const ping = vi.fn(() => Promise.resolve('PONG'));
    await expect(redisCheck({ status: 'reconnecting', ping }).check()).rejects.toThrow(
      'redis connection is reconnecting',
    );
    expect(ping).not.toHaveBeenCalled();
    await expect(redisCheck({ status: 'ready', ping }).check()).resolves.toBeUndefined();
  });

  it('queries a pg pool with select 1', async () => {
    const query = vi.fn(() => Promise.resolve({ rows: [] }));
    const check = postgresCheck({ query }, 'events-db');
    await check.check();
    expect(check.name).toBe('events-db');
    expect(query).toHaveBeenCalledWith('select 1');
  });
});
