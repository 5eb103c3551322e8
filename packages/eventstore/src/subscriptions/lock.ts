import pg from 'pg';

export interface SubscriptionLock {
  /** Resolves when the lock is lost because its connection died: the holder must stop. */
  lost: Promise<Error>;
  release(): Promise<void>;
}

const abortError = () =>
  Object.assign(new Error('Aborted while waiting for the subscription lock'), {
    name: 'AbortError',
  });

/**
 * One active instance per subscription: a session-level advisory lock held on a dedicated
 * connection. When the holder dies, PostgreSQL ends its session and frees the lock, and the
 * next waiter takes over on its next try.
 */
export async function acquireSubscriptionLock(
  connectionString: string,
  name: string,
  options: { retryMs?: number; signal?: AbortSignal } = {},
): Promise<SubscriptionLock> {
  const retryMs = options.retryMs ?? 1000;
  for (;;) {
    if (options.signal?.aborted) throw abortError();
    const client = new pg.Client({
      connectionString,
      keepAlive: true,
      application_name: `lock:${name}`,
    });
    let lostResolve: (error: Error) => void = () => {};
    const lost = new Promise<Error>((resolve) => (lostResolve = resolve));
    client.on('error', (error) => lostResolve(error));
    client.on('end', () => lostResolve(new Error(`Connection holding the lock on ${name} ended`)));
    try {
      await client.connect();
      const { rows } = await client.query<{ acquired: boolean }>(
        'select pg_try_advisory_lock(hashtextextended($1, 0)) as acquired',
        [`subscription:${name}`],
      );
      if (rows[0]?.acquired) {
        let released = false;
        return {
          lost,
          async release() {
            if (released) return;
            released = true;
            await client.end().catch(() => {});
          },
        };
      }
      await client.end();
    } catch {
      await client.end().catch(() => {});
    }
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(resolve, retryMs);
      options.signal?.addEventListener(
        'abort',
        () => {
          clearTimeout(timer);
          reject(abortError());
        },
        { once: true },
      );
    });
  }
}
