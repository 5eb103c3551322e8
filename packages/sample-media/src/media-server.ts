import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, resolve, sep } from 'node:path';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { listSampleFiles } from './generate.ts';

const contentTypes: Record<string, string> = {
  '.mp4': 'video/mp4',
  '.m4a': 'audio/mp4',
  '.webm': 'video/webm',
  '.mkv': 'video/x-matroska',
  '.mp3': 'audio/mpeg',
  '.m3u8': 'application/vnd.apple.mpegurl',
  '.ts': 'video/mp2t',
  '.mpd': 'application/dash+xml',
  '.m4s': 'video/iso.segment',
  '.html': 'text/html; charset=utf-8',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.png': 'image/png',
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
};

export function contentTypeOf(path: string): string {
  return contentTypes[extname(path).toLowerCase()] ?? 'application/octet-stream';
}

export interface ByteRange {
  start: number;
  end: number;
}

/**
 * One `Range: bytes=…` header against a file of `size` bytes: the range, 'unsatisfiable', or
 * undefined to serve the whole file (absent, malformed or multi-range headers).
 */
export function parseRange(
  header: string | undefined,
  size: number,
): ByteRange | 'unsatisfiable' | undefined {
  if (header === undefined) return undefined;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match) return undefined;
  const [, startText = '', endText = ''] = match;
  if (startText === '' && endText === '') return undefined;
  if (startText === '') {
    const suffix = Number(endText);
    if (suffix === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(startText);
  const end = endText === '' ? size - 1 : Math.min(Number(endText), size - 1);
  if (start >= size || end < start) return 'unsatisfiable';
  return { start, end };
}

export interface MediaServerOptions {
  dir: string;
  /** 0 (default) picks a free port. */
  port?: number;
  /** Delay before every response, in ms. */
  latencyMs?: number;
  /** Cap on body bytes per second for every response (undefined: unthrottled). */
  throttleBytesPerSecond?: number;
  /** How the server waits (latency, throttle); tests pass their own. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

const realSleep = (ms: number, signal: AbortSignal): Promise<void> =>
  sleep(ms, undefined, { signal });

export interface RequestRecord {
  method: string;
  path: string;
  range: string | undefined;
  status: number;
}

export interface MediaServer {
  /** `http://127.0.0.1:<port>` (no trailing slash). */
  origin: string;
  port: number;
  /** The URL of a file under `dir`, by its relative path. */
  urlOf(relativePath: string): string;
  /** Every request answered so far, oldest first. */
  requests: RequestRecord[];
  /** The next `count` requests (optionally only those whose path starts with `pathPrefix`) fail. */
  failNext(count: number, options?: { status?: number; pathPrefix?: string }): void;
  setLatency(ms: number): void;
  setThrottle(bytesPerSecond: number | undefined): void;
  close(): Promise<void>;
}

const chunkBytes = 16 * 1024;

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * A static file server for sample media on 127.0.0.1 with what yt-dlp relies on (content
 * types, HEAD, single byte ranges) and knobs for failure tests (latency, throttle, fail N).
 */
export async function startMediaServer(options: MediaServerOptions): Promise<MediaServer> {
  const root = resolve(options.dir);
  let latencyMs = options.latencyMs ?? 0;
  let throttle = options.throttleBytesPerSecond;
  const wait = options.sleep ?? realSleep;
  const failures: { remaining: number; status: number; pathPrefix: string }[] = [];
  const requests: RequestRecord[] = [];

  async function streamBody(
    response: ServerResponse,
    path: string,
    range: ByteRange,
    closed: AbortSignal,
  ): Promise<void> {
    const file = createReadStream(path, {
      start: range.start,
      end: range.end,
      highWaterMark: chunkBytes,
      signal: closed,
    });
    try {
      for await (const chunk of file as AsyncIterable<Buffer>) {
        if (!response.write(chunk)) await once(response, 'drain', { signal: closed });
        const rate = throttle;
        if (rate !== undefined && rate > 0) {
          await wait((chunk.length / rate) * 1000, closed);
        }
      }
      response.end();
    } catch {
      // The client went away (yt-dlp killed, download cancelled): nothing to answer.
      response.destroy();
    }
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const method = request.method ?? 'GET';
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const path = decodeURIComponent(url.pathname);
    const rangeHeader = request.headers.range;
    const record = (status: number): void => {
      requests.push({ method, path, range: rangeHeader, status });
    };
    const closed = new AbortController();
    response.once('close', () => closed.abort());

    if (latencyMs > 0) await wait(latencyMs, closed.signal).catch(() => {});
    if (closed.signal.aborted) return;

    const failure = failures.find((f) => f.remaining > 0 && path.startsWith(f.pathPrefix));
    if (failure !== undefined) {
      failure.remaining -= 1;
      record(failure.status);
      response
        .writeHead(failure.status, { 'content-type': 'text/plain' })
        .end('injected failure\n');
      return;
    }
    if (method !== 'GET' && method !== 'HEAD') {
      record(405);
      response.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (path === '/' || path === '/index.html') {
      const files = await listSampleFiles(root);
      const body = [
        '<!doctype html><html><head><meta charset="utf-8"><title>Sample media</title></head><body>',
        '<h1>Sample media</h1><ul>',
        ...files.map((f) => `<li><a href="/${encodeURI(f)}">${escapeHtml(f)}</a></li>`),
        '</ul></body></html>',
      ].join('\n');
      record(200);
      response.writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        'content-length': Buffer.byteLength(body),
      });
      response.end(method === 'HEAD' ? undefined : body);
      return;
    }

    const filePath = resolve(root, `.${path}`);
    const info = filePath.startsWith(root + sep)
      ? await stat(filePath).catch(() => undefined)
      : undefined;
    if (info === undefined || !info.isFile()) {
      record(404);
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    const size = info.size;
    const range = parseRange(rangeHeader, size);
    const common = {
      'content-type': contentTypeOf(filePath),
      'accept-ranges': 'bytes',
      'last-modified': info.mtime.toUTCString(),
    };
    if (range === 'unsatisfiable') {
      record(416);
      response.writeHead(416, { ...common, 'content-range': `bytes */${size}` }).end();
      return;
    }
    const served = range ?? { start: 0, end: size - 1 };
    const status = range === undefined ? 200 : 206;
    record(status);
    response.writeHead(status, {
      ...common,
      'content-length': size === 0 ? 0 : served.end - served.start + 1,
      ...(range === undefined
        ? {}
        : { 'content-range': `bytes ${served.start}-${served.end}/${size}` }),
    });
    if (method === 'HEAD' || size === 0) {
      response.end();
      return;
    }
    await streamBody(response, filePath, served, closed.signal);
  }

  const server = createServer((request, response) => {
    handle(request, response).catch(() => {
      if (!response.headersSent) response.writeHead(500).end();
      else response.destroy();
    });
  });
  server.listen(options.port ?? 0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;

  return {
    origin,
    port,
    urlOf: (relativePath) =>
      `${origin}/${relativePath.split('/').map(encodeURIComponent).join('/')}`,
    requests,
    failNext(count, failOptions = {}) {
      failures.push({
        remaining: count,
        status: failOptions.status ?? 503,
        pathPrefix: failOptions.pathPrefix ?? '/',
      });
    },
    setLatency(ms) {
      latencyMs = ms;
    },
    setThrottle(bytesPerSecond) {
      throttle = bytesPerSecond;
    },
    async close() {
      const closing = once(server, 'close');
      server.close();
      server.closeAllConnections();
      await closing;
    },
  };
}
