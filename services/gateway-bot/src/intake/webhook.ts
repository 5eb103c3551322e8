import { createServer, type IncomingMessage, type Server } from 'node:http';
import { timingSafeEqual } from 'node:crypto';

export interface WebhookDependencies {
  host: string;
  port: number;
  path: string;
  secret: string;
  handleUpdate(update: unknown): Promise<void>;
  logger: { warn(fields: object, message: string): void };
  maxBodyBytes?: number;
}

function sameSecret(given: string | string[] | undefined, expected: string): boolean {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

async function readBody(request: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/**
 * Telegram's webhook: checks the secret token header, records the update, and answers 200 only
 * once it is recorded — a 5xx makes Telegram deliver it again. Never downloads in the request.
 */
export async function startWebhookServer(
  dependencies: WebhookDependencies,
): Promise<{ port: number; close(): Promise<void> }> {
  const limit = dependencies.maxBodyBytes ?? 1024 * 1024;
  const server: Server = createServer((request, response) => {
    const reply = (status: number, body = '') => {
      response.writeHead(status, { 'content-type': 'text/plain' }).end(body);
    };
    if (request.url !== dependencies.path) return reply(404, 'not found');
    if (request.method !== 'POST') return reply(405, 'method not allowed');
    if (!sameSecret(request.headers['x-telegram-bot-api-secret-token'], dependencies.secret)) {
      dependencies.logger.warn(
        { remote: request.socket.remoteAddress },
        'Webhook call with a wrong secret token',
      );
      return reply(403, 'forbidden');
    }
    void (async () => {
      const body = await readBody(request, limit);
      if (!body) return reply(413, 'too large');
      let update: unknown;
      try {
        update = JSON.parse(body.toString('utf8'));
      } catch {
        return reply(400, 'invalid JSON');
      }
      try {
        await dependencies.handleUpdate(update);
        reply(200, 'ok');
      } catch (error) {
        dependencies.logger.warn({ err: error }, 'Could not record an update; Telegram will retry');
        reply(503, 'retry later');
      }
    })().catch(() => reply(500));
  });
  await new Promise<void>((resolve) =>
    server.listen(dependencies.port, dependencies.host, resolve),
  );
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : dependencies.port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}
