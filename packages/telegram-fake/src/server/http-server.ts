import { createReadStream } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { BotApiError, notFound, unauthorized } from '../bot-api/errors.ts';
import type { ApiResponse } from '../bot-api/types.ts';
import { dispatchCall, type CallAnswer } from './dispatch.ts';
import type { FakeBot } from './fake-bot.ts';
import { readBody } from './request-body.ts';

const METHOD_PATH = /^\/bot([^/]+)\/(?:test\/)?([^/]*)$/;
const FILE_PATH = /^\/file\/bot([^/]+)\/(?:test\/)?(.+)$/;

const BAD_GATEWAY_PAGE =
  '<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx/1.18.0</center>\r\n</body>\r\n</html>\r\n';

/** The HTTP face of the fake: /bot<token>/<method> and /file/bot<token>/<file_path>. */
export function createRequestHandler(
  bot: FakeBot,
): (request: IncomingMessage, response: ServerResponse) => void {
  return (request, response) => {
    handle(bot, request, response).catch((error: unknown) => {
      // A client hanging up mid-request is routine (aborted polls, killed bots): not worth a warning.
      if (!request.destroyed && !response.destroyed) {
        process.emitWarning(`telegram-fake: request failed: ${String(error)}`);
      }
      if (!response.headersSent)
        writeJson(response, 500, new BotApiError(500, 'Internal Server Error').toResponse());
      else response.destroy();
    });
  };
}

async function handle(
  bot: FakeBot,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const url = new URL(request.url ?? '/', 'http://fake.invalid');
  const path = url.pathname;

  const fileMatch = FILE_PATH.exec(path);
  if (fileMatch) return serveFile(bot, fileMatch[1] ?? '', fileMatch[2] ?? '', request, response);

  const methodMatch = METHOD_PATH.exec(path);
  if (!methodMatch) return refuse(request, response, notFound());
  if (decodeURIComponent(methodMatch[1] ?? '') !== bot.token) {
    return refuse(request, response, unauthorized());
  }
  const methodName = decodeURIComponent(methodMatch[2] ?? '');
  if (methodName === '') return refuse(request, response, notFound());

  const hangUp = new AbortController();
  response.on('close', () => {
    if (!response.writableFinished) hangUp.abort();
  });

  let body;
  try {
    body = await readBody(
      {
        headers: request.headers,
        stream: request,
        newIncomingPath: () => bot.files.newIncomingPath(),
        discard: (file) => bot.files.discard(file),
      },
      { maxFileBytes: bot.limits.uploadBytes, maxFieldBytes: bot.limits.fieldBytes },
    );
  } catch (error) {
    if (!(error instanceof BotApiError)) throw error;
    response.setHeader('connection', 'close');
    writeJson(response, error.errorCode, error.toResponse());
    return;
  }

  try {
    const answer = await dispatchCall(bot, {
      methodName,
      values: { ...Object.fromEntries(url.searchParams), ...body.values },
      files: body.files,
      via: 'http',
      signal: hangUp.signal,
      applyFaults: true,
    });
    writeAnswer(response, answer);
  } finally {
    await Promise.all([...body.files.values()].map((file) => bot.files.discard(file.path)));
  }
}

function writeAnswer(response: ServerResponse, answer: CallAnswer): void {
  if (response.destroyed) return;
  switch (answer.kind) {
    case 'json':
      writeJson(response, answer.status, answer.body);
      return;
    case 'bad-gateway':
      response.writeHead(502, {
        'content-type': 'text/html',
        'content-length': Buffer.byteLength(BAD_GATEWAY_PAGE),
      });
      response.end(BAD_GATEWAY_PAGE);
      return;
    case 'disconnect':
      response.socket?.destroy();
      return;
  }
}

function writeJson(response: ServerResponse, status: number, body: ApiResponse): void {
  const text = JSON.stringify(body);
  const retryAfter = body.ok ? undefined : body.parameters?.retry_after;
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...(retryAfter === undefined ? {} : { 'retry-after': String(retryAfter) }),
  });
  response.end(text);
}

function refuse(request: IncomingMessage, response: ServerResponse, error: BotApiError): void {
  request.resume();
  writeJson(response, error.errorCode, error.toResponse());
}

function serveFile(
  bot: FakeBot,
  token: string,
  filePath: string,
  request: IncomingMessage,
  response: ServerResponse,
): void {
  if (decodeURIComponent(token) !== bot.token) return refuse(request, response, unauthorized());
  const stored = bot.files.findByFilePath(decodeURIComponent(filePath));
  if (!stored) return refuse(request, response, notFound());
  request.resume();
  response.writeHead(200, {
    'content-type': stored.mimeType ?? 'application/octet-stream',
    'content-length': stored.size,
  });
  if (request.method === 'HEAD') {
    response.end();
    return;
  }
  createReadStream(stored.localPath)
    .on('error', () => response.destroy())
    .pipe(response);
}
