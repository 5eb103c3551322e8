import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { parseRange } from '@mediabot/sample-media';

/** Sends a file with its content type and byte-range support, which <video> seeking needs. */
export async function serveFile(
  request: IncomingMessage,
  response: ServerResponse,
  file: { path: string; contentType: string; downloadName?: string },
): Promise<void> {
  const info = await stat(file.path).catch(() => undefined);
  if (!info?.isFile()) {
    response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found\n');
    return;
  }
  const size = info.size;
  const range = parseRange(request.headers.range, size);
  const headers = {
    'content-type': file.contentType,
    'accept-ranges': 'bytes',
    'cache-control': 'private, max-age=3600',
    'last-modified': info.mtime.toUTCString(),
    ...(file.downloadName
      ? {
          'content-disposition': `inline; filename*=UTF-8''${encodeURIComponent(file.downloadName)}`,
        }
      : {}),
  };
  if (range === 'unsatisfiable') {
    response.writeHead(416, { ...headers, 'content-range': `bytes */${size}` }).end();
    return;
  }
  const served = range ?? { start: 0, end: size - 1 };
  response.writeHead(range ? 206 : 200, {
    ...headers,
    'content-length': size === 0 ? 0 : served.end - served.start + 1,
    ...(range ? { 'content-range': `bytes ${served.start}-${served.end}/${size}` } : {}),
  });
  if (request.method === 'HEAD' || size === 0) {
    response.end();
    return;
  }
  // A browser seeking in a video abandons requests midway: that is not an error.
  await pipeline(createReadStream(file.path, served), response).catch(() => response.destroy());
}
