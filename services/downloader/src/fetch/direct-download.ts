import type { IncomingMessage } from 'node:http';
import { Transform, type Readable } from 'node:stream';
import { MediaError, type DirectSource, type DownloadProgress } from '@mediabot/media-tools';
import {
  headerNumber,
  requestThroughEgress,
  unreachable,
  type EgressPolicy,
} from '../shared/egress-http.ts';
import { rawContentTypeOf, rawFileNameFor } from './raw-file.ts';

/**
 * The source cannot be fetched with one GET after all (an expired signature, a
 * page instead of a file, no length): yt-dlp fetches the media instead.
 */
export class DirectSourceUnusable extends Error {
  readonly reason: string;

  constructor(reason: string) {
    super(`direct source unusable: ${reason}`);
    this.name = 'DirectSourceUnusable';
    this.reason = reason;
  }
}

export interface DirectDownloadRequest {
  source: DirectSource;
  /** The egress proxy every connection goes through (it checks each resolved address). */
  proxyUrl: string;
  /** The same policy the probe applied to the link's text, applied to every redirect. */
  egress: EgressPolicy;
  maxBytes: number;
  timeoutMs: number;
  /** A connection silent for this long fails the download (default 20 s, like yt-dlp's). */
  socketTimeoutMs?: number | undefined;
  signal: AbortSignal;
  onProgress: (progress: DownloadProgress) => void;
  /**
   * Takes the body while it arrives (its exact length is known) and resolves once it is stored.
   * A body that fails makes it reject; what it rejects with is then ignored for the body's error.
   */
  store: (
    body: Readable,
    file: { sizeBytes: number; fileName: string; contentType: string },
  ) => Promise<void>;
}

export interface DirectDownload {
  sizeBytes: number;
  fileName: string;
}

interface OpenedResponse {
  response: IncomingMessage;
  sizeBytes: number;
  close: () => void;
}

/**
 * Fetches a probed single-file format with one GET through the egress proxy and hands the body
 * to `store` as it arrives: no second yt-dlp run, no file on disk. Redirects are followed (each
 * checked like the link itself), the size limit is enforced on the announced length and on the
 * bytes, and cancelling or timing out stops both sides. Throws DirectSourceUnusable when yt-dlp
 * should fetch instead, else MediaError or EgressError.
 */
export async function downloadDirect(request: DirectDownloadRequest): Promise<DirectDownload> {
  const timeout = AbortSignal.timeout(request.timeoutMs);
  const signal = AbortSignal.any([request.signal, timeout]);
  const stopError = (): MediaError =>
    request.signal.aborted ? new MediaError('cancelled') : new MediaError('timed_out');
  if (signal.aborted) throw stopError();

  const opened = await open(request, signal, stopError);
  try {
    return await transfer(request, opened, signal, stopError);
  } finally {
    opened.close();
  }
}

async function open(
  request: DirectDownloadRequest,
  signal: AbortSignal,
  stopError: () => MediaError,
): Promise<OpenedResponse> {
  const { response, close } = await requestThroughEgress({
    url: request.source.url,
    method: 'GET',
    headers: request.source.httpHeaders,
    proxyUrl: request.proxyUrl,
    egress: request.egress,
    signal,
    socketTimeoutMs: request.socketTimeoutMs,
  }).catch((error: unknown) => {
    throw signal.aborted ? stopError() : error;
  });
  const status = response.statusCode ?? 0;
  const contentType = String(response.headers['content-type'] ?? '').toLowerCase();
  const encoding = String(response.headers['content-encoding'] ?? 'identity').toLowerCase();
  const sizeBytes = headerNumber(response, 'content-length');
  const unusable =
    status !== 200
      ? `HTTP ${status}`
      : contentType.startsWith('text/') || contentType.includes('html')
        ? `content type ${contentType}`
        : encoding !== 'identity'
          ? `content encoding ${encoding}`
          : sizeBytes === undefined
            ? 'no content length'
            : undefined;
  if (unusable !== undefined || sizeBytes === undefined) {
    response.destroy();
    close();
    throw new DirectSourceUnusable(unusable ?? 'no content length');
  }
  if (sizeBytes > request.maxBytes) {
    response.destroy();
    close();
    throw new MediaError('too_large', { details: { announcedBytes: sizeBytes } });
  }
  return { response, sizeBytes, close };
}

const cutMessage = 'The site stopped sending the file.';

async function transfer(
  request: DirectDownloadRequest,
  { response, sizeBytes }: OpenedResponse,
  signal: AbortSignal,
  stopError: () => MediaError,
): Promise<DirectDownload> {
  const fileName = rawFileNameFor(request.source.ext);
  const started = performance.now();
  let received = 0;
  let lastReport = 0;
  let sourceError: Error | undefined;
  const report = (): void => {
    const seconds = (performance.now() - started) / 1000;
    const speed = seconds > 0 ? received / seconds : null;
    request.onProgress({
      status: received >= sizeBytes ? 'finished' : 'downloading',
      downloadedBytes: received,
      totalBytes: sizeBytes,
      totalIsEstimate: false,
      percent: sizeBytes === 0 ? 100 : (received / sizeBytes) * 100,
      speedBytesPerSecond: speed,
      etaSeconds: speed !== null && speed > 0 ? (sizeBytes - received) / speed : null,
      fileNumber: 1,
      announcedBytes: sizeBytes,
    });
  };
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      received += chunk.length;
      if (received > sizeBytes || received > request.maxBytes) {
        sourceError ??= new MediaError('too_large', { details: { receivedBytes: received } });
        callback(sourceError);
        return;
      }
      const now = performance.now();
      if (now - lastReport >= 250) {
        lastReport = now;
        report();
      }
      callback(null, chunk);
    },
  });
  const fail = (error: Error): void => {
    sourceError ??= error;
    counter.destroy(error);
    response.destroy();
  };
  const onAbort = (): void => fail(stopError());
  signal.addEventListener('abort', onAbort, { once: true });
  response.once('error', (error) =>
    fail(signal.aborted ? stopError() : unreachable(error, cutMessage)),
  );
  response.once('aborted', () =>
    fail(unreachable(new Error('the connection was cut'), cutMessage)),
  );
  response.once('end', () => {
    if (received < sizeBytes) fail(unreachable(new Error('the body ended early'), cutMessage));
  });
  response.pipe(counter);
  try {
    await request
      .store(counter, { sizeBytes, fileName, contentType: rawContentTypeOf(fileName) })
      .catch((error: unknown) => {
        throw sourceError ?? error;
      });
    if (sourceError !== undefined) throw sourceError;
    report();
    return { sizeBytes: received, fileName };
  } finally {
    signal.removeEventListener('abort', onAbort);
    response.destroy();
  }
}
