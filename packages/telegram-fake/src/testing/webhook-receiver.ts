import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Update } from '../bot-api/types.ts';

export interface ReceivedWebhook {
  headers: IncomingHttpHeaders;
  update: Update;
  /** Answer it (the default answers 200 with an empty body at once). */
  response: ServerResponse;
}

export interface WebhookReceiver {
  url: string;
  received: ReceivedWebhook[];
  /** Resolves with the next request (or the n-th overall, counting from 1) once it arrived. */
  nextRequest(): Promise<ReceivedWebhook>;
  close(): Promise<void>;
}

/**
 * A loopback HTTP server standing in for a bot's webhook endpoint. `answer` decides each response;
 * returning false leaves the request open for the test to answer later.
 */
export async function startWebhookReceiver(
  answer: (request: ReceivedWebhook, index: number) => boolean | void = () => undefined,
): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = [];
  const waiting: ((request: ReceivedWebhook) => void)[] = [];
  let consumed = 0;
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const entry: ReceivedWebhook = {
        headers: request.headers,
        update: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Update,
        response,
      };
      received.push(entry);
      const handled = answer(entry, received.length);
      if (handled !== false && !response.writableEnded) response.end();
      waiting.shift()?.(entry);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/telegram/webhook`,
    received,
    nextRequest: () => {
      consumed += 1;
      const already = received[consumed - 1];
      if (already) return Promise.resolve(already);
      return new Promise((resolve) => waiting.push(resolve));
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
