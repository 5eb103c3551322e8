import pg from 'pg';
import { appendedChannel } from '../schema/migrations.ts';

/**
 * Calls `onAppend` whenever events are appended (LISTEN/NOTIFY). Readers must still poll as a
 * fallback: a notification is lost while this connection is down, so it reconnects with backoff
 * and calls `onAppend` once after each reconnect.
 */
export async function listenForAppends(
  connectionString: string,
  onAppend: () => void,
): Promise<{ close(): Promise<void> }> {
  let closed = false;
  let client: pg.Client | undefined;
  let delayMs = 100;

  const connect = async (): Promise<void> => {
    while (!closed) {
      const candidate = new pg.Client({
        connectionString,
        keepAlive: true,
        application_name: 'eventstore-listener',
      });
      candidate.on('notification', () => onAppend());
      candidate.on('error', () => {});
      candidate.on('end', () => {
        if (!closed && client === candidate) {
          client = undefined;
          void connect();
        }
      });
      try {
        await candidate.connect();
        await candidate.query(`listen ${appendedChannel}`);
        client = candidate;
        delayMs = 100;
        onAppend();
        return;
      } catch {
        await candidate.end().catch(() => {});
        await new Promise((resolve) => setTimeout(resolve, delayMs));
        delayMs = Math.min(delayMs * 2, 5000);
      }
    }
  };

  await connect();
  return {
    async close() {
      closed = true;
      const current = client;
      client = undefined;
      await current?.end().catch(() => {});
    },
  };
}
