import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { z } from 'zod';
import {
  createTelegramDriver,
  type TelegramFake,
  type TranscriptChange,
} from '@mediabot/telegram-fake';
import { contentTypeFor, fileRoute, toMessageView } from './message-view.ts';
import { serveFile } from './serve-file.ts';

export const sandboxLanguages = ['en', 'fr', 'es', 'ru'] as const;
export type SandboxLanguage = (typeof sandboxLanguages)[number];

/** A link the side panel offers to send with one click. */
export interface SampleLink {
  title: string;
  description: string;
  url: string;
}

export interface SandboxOptions {
  fake: TelegramFake;
  /** 0 picks a free port. */
  port?: number;
  host?: string;
  samples?: readonly SampleLink[];
  /** Sent to keep idle event streams open through proxies; tests shorten it. */
  heartbeatMs?: number;
}

export interface SandboxServer {
  /** http://127.0.0.1:<port>/ */
  url: string;
  port: number;
  close(): Promise<void>;
}

const publicDirectory = join(import.meta.dirname, '..', 'public');
const assets: Record<string, { file: string; contentType: string }> = {
  '/': { file: 'index.html', contentType: 'text/html; charset=utf-8' },
  '/index.html': { file: 'index.html', contentType: 'text/html; charset=utf-8' },
  '/assets/sandbox.css': { file: 'sandbox.css', contentType: 'text/css; charset=utf-8' },
  '/assets/sandbox.js': { file: 'sandbox.js', contentType: 'text/javascript; charset=utf-8' },
  '/assets/icon.svg': { file: 'icon.svg', contentType: 'image/svg+xml' },
};

const userId = z.coerce
  .number()
  .int()
  .min(1)
  .max(2 ** 40);
const sendTextBody = z.object({
  text: z
    .string()
    .transform((text) => text.trim())
    .pipe(z.string().min(1).max(4096)),
  language: z.enum(sandboxLanguages).default('en'),
  firstName: z.string().trim().min(1).max(64).default('You'),
});
const clickBody = z.object({
  messageId: z.number().int().min(1),
  data: z.string().min(1).max(64),
  language: z.enum(sandboxLanguages).default('en'),
  firstName: z.string().trim().min(1).max(64).default('You'),
});

class HttpError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

async function readJson(request: IncomingMessage, maxBytes = 64 * 1024): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) throw new HttpError(413, 'request body too large');
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch {
    throw new HttpError(400, 'the body must be JSON');
  }
}

function parseWith<T>(schema: z.ZodType<T>, value: unknown, what = 'body'): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new HttpError(400, `${issue?.path.join('.') || what}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response
    .writeHead(status, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(text),
      'cache-control': 'no-store',
    })
    .end(text);
}

/**
 * The sandbox chat page and its API: a person plays a Telegram user against the fake Bot API.
 * Messages and button presses go through the fake's driver, exactly as a simulated user in a
 * test; what the bot sends or edits streams back to the page as Server-Sent Events.
 */
export async function startSandboxServer(options: SandboxOptions): Promise<SandboxServer> {
  const { fake } = options;
  const driver = createTelegramDriver(fake);
  const heartbeatMs = options.heartbeatMs ?? 15_000;
  const streams = new Set<ServerResponse>();

  const simulatedUser = (id: number, language: SandboxLanguage, firstName: string) =>
    driver.user({ id, first_name: firstName, language_code: language });

  function commands(language: string): { command: string; description: string }[] {
    const scope = '{"type":"default"}';
    return (
      fake.bot.commands.get(`${scope}|${language}`)?.commands ??
      fake.bot.commands.get(`${scope}|`)?.commands ??
      []
    );
  }

  function config(language: string) {
    return {
      bot: { name: fake.botUser.first_name, username: fake.botUser.username },
      languages: sandboxLanguages,
      commands: commands(language),
      samples: options.samples ?? [],
    };
  }

  function openEventStream(request: IncomingMessage, response: ServerResponse, chatId: number) {
    response.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    const send = (event: string, data: unknown) =>
      response.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    send('snapshot', { messages: fake.transcript(chatId).map(toMessageView) });
    const onChange = (change: TranscriptChange) => {
      if (change.chatId !== chatId) return;
      switch (change.kind) {
        case 'message':
        case 'edited':
        case 'deleted':
          send('message', toMessageView(change.entry));
          return;
        case 'chat-action':
          send('action', { action: change.action });
          return;
        case 'callback-answer': {
          const answer = change.query.answer;
          send('callback-answer', {
            messageId: change.query.messageId,
            text: answer?.text ?? '',
            showAlert: answer?.showAlert ?? false,
            url: answer?.url ?? null,
          });
          return;
        }
      }
    };
    const heartbeat = setInterval(() => response.write(': keep-alive\n\n'), heartbeatMs);
    fake.events.on('transcript', onChange);
    streams.add(response);
    const stop = () => {
      clearInterval(heartbeat);
      fake.events.off('transcript', onChange);
      streams.delete(response);
    };
    request.once('close', stop);
    response.once('close', stop);
  }

  async function route(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://sandbox.local');
    const method = request.method ?? 'GET';
    const path = url.pathname;

    const asset = assets[path];
    if (asset && (method === 'GET' || method === 'HEAD')) {
      const body = await readFile(join(publicDirectory, asset.file));
      response.writeHead(200, {
        'content-type': asset.contentType,
        'content-length': body.length,
        'cache-control': 'no-cache',
      });
      response.end(method === 'HEAD' ? undefined : body);
      return;
    }

    if (path.startsWith(fileRoute) && (method === 'GET' || method === 'HEAD')) {
      const filePath = path
        .slice(fileRoute.length)
        .split('/')
        .map((part) => decodeURIComponent(part))
        .join('/');
      const stored = fake.bot.files.findByFilePath(filePath);
      if (!stored) throw new HttpError(404, 'no such file');
      await serveFile(request, response, {
        path: stored.localPath,
        contentType: contentTypeFor(stored.fileName ?? stored.filePath, stored.mimeType),
        ...(stored.fileName ? { downloadName: stored.fileName } : {}),
      });
      return;
    }

    if (path === '/api/config' && method === 'GET') {
      sendJson(response, 200, config(url.searchParams.get('language') ?? 'en'));
      return;
    }

    const chatRoute = /^\/api\/chats\/([^/]+)(\/messages|\/callbacks|\/events)?$/.exec(path);
    if (chatRoute) {
      const chatId = parseWith(userId, chatRoute[1], 'chat id');
      const action = chatRoute[2] ?? '';
      if (action === '' && method === 'GET') {
        sendJson(response, 200, { messages: fake.transcript(chatId).map(toMessageView) });
        return;
      }
      if (action === '/events' && method === 'GET') {
        openEventStream(request, response, chatId);
        return;
      }
      if (action === '/messages' && method === 'POST') {
        const body = parseWith(sendTextBody, await readJson(request));
        const sent = simulatedUser(chatId, body.language, body.firstName).sendText(body.text);
        sendJson(response, 202, {
          messageId: sent.message.message_id,
          updateId: sent.update?.update_id ?? null,
        });
        return;
      }
      if (action === '/callbacks' && method === 'POST') {
        const body = parseWith(clickBody, await readJson(request));
        const user = simulatedUser(chatId, body.language, body.firstName);
        let click;
        try {
          click = user.clickButton(body.messageId, (button) => button.callback_data === body.data);
        } catch {
          throw new HttpError(409, 'that button is no longer there');
        }
        sendJson(response, 202, { callbackQueryId: click.callbackQueryId });
        return;
      }
    }

    if (asset || chatRoute || path === '/api/config') {
      throw new HttpError(405, `${method} is not allowed here`);
    }
    throw new HttpError(404, 'not found');
  }

  const server: Server = createServer((request, response) => {
    route(request, response).catch((error: unknown) => {
      if (response.headersSent) {
        response.destroy();
        return;
      }
      if (error instanceof HttpError) sendJson(response, error.status, { error: error.message });
      else sendJson(response, 500, { error: 'internal error' });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port, address, family } = server.address() as AddressInfo;
  const host = family === 'IPv6' ? `[${address}]` : address;

  return {
    url: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}/`,
    port,
    async close() {
      for (const stream of streams) stream.end();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}
