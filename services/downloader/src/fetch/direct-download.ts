import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { Transform, type Readable } from 'node:stream';
import { EgressError, validateUrlText, type AllowList } from '@mediabot/egress-guard';
import { MediaError, type DirectSource, type DownloadProgress } from '@mediabot/media-tools';
import { rawContentTypeOf, rawFileNameFor } from './raw-file.ts';

/**
 * The source cannot be fetched with one GET after all (a redirect loop, an expired signature, a
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
  egress: { allowList: AllowList; allowedPorts: readonly number[] };
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

const maxRedirects = 5;
const redirectStatuses = new Set([301, 302, 303, 307, 308]);
// Headers that describe a connection, or that we set ourselves.
const droppedHeaders = new Set([
  'host',
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authorization',
  'transfer-encoding',
  'te',
  'upgrade',
  'content-length',
  'accept-encoding',
  'range',
]);

function requestHeaders(source: DirectSource): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(source.httpHeaders)) {
    if (!droppedHeaders.has(name.toLowerCase())) headers[name] = value;
  }
  headers['Accept-Encoding'] = 'identity';
  return headers;
}

/** The egress proxy's answer for a destination it refuses, as the error users are told about. */
function egressRefusalOf(response: IncomingMessage): EgressError | undefined {
  const refused = response.headers['x-egress-refused'];
  if (typeof refused !== 'string') return undefined;
  const code = refused === 'port_not_allowed' ? 'port_not_allowed' : 'blocked_address';
  return new EgressError(code, `The egress policy refused the media's address (${refused})`, {
    reason: refused,
  });
}

function headerNumber(response: IncomingMessage, name: string): number | undefined {
  const value = response.headers[name];
  if (typeof value !== 'string' || !/^\d+$/.test(value)) return undefined;
  return Number(value);
}

interface OpenedResponse {
  response: IncomingMessage;
  sizeBytes: number;
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

  const agents = {
    http: new HttpAgent({ proxyEnv: { HTTP_PROXY: request.proxyUrl } }),
    https: new HttpsAgent({ proxyEnv: { HTTPS_PROXY: request.proxyUrl } }),
  };
  try {
    const opened = await open(request, agents, signal, stopError);
    return await transfer(request, opened, signal, stopError);
  } finally {
    agents.http.destroy();
    agents.https.destroy();
  }
}

async function open(
  request: DirectDownloadRequest,
  agents: { http: HttpAgent; https: HttpsAgent },
  signal: AbortSignal,
  stopError: () => MediaError,
): Promise<OpenedResponse> {
  const headers = requestHeaders(request.source);
  let url = request.source.url;
  for (let hop = 0; hop <= maxRedirects; hop += 1) {
    // Throws EgressError for a link the policy refuses by its text (scheme, port, literal address).
    const target = validateUrlText(url, request.egress);
    const response = await get(target, headers, agents, signal, request.socketTimeoutMs).catch(
      (error: unknown) => {
        if (signal.aborted) throw stopError();
        throw new MediaError('site_unreachable', {
          message: 'The site could not be reached.',
          retryable: true,
          cause: error,
        });
      },
    );
    const refusal = egressRefusalOf(response);
    if (refusal !== undefined) {
      response.resume();
      throw refusal;
    }
    if (typeof response.headers['x-egress-error'] === 'string') {
      response.resume();
      throw new MediaError('site_unreachable', {
        message: 'The site could not be reached.',
        retryable: true,
        details: { egress: response.headers['x-egress-error'] },
      });
    }
    const status = response.statusCode ?? 0;
    if (redirectStatuses.has(status) && typeof response.headers.location === 'string') {
      response.resume();
      url = new URL(response.headers.location, target).href;
      continue;
    }
    if (status !== 200) {
      response.resume();
      throw new DirectSourceUnusable(`HTTP ${status}`);
    }
    const contentType = String(response.headers['content-type'] ?? '').toLowerCase();
    const encoding = String(response.headers['content-encoding'] ?? 'identity').toLowerCase();
    const sizeBytes = headerNumber(response, 'content-length');
    const unusable =
      contentType.startsWith('text/') || contentType.includes('html')
        ? `content type ${contentType}`
        : encoding !== 'identity'
          ? `content encoding ${encoding}`
          : sizeBytes === undefined
            ? 'no content length'
            : undefined;
    if (unusable !== undefined || sizeBytes === undefined) {
      response.destroy();
      throw new DirectSourceUnusable(unusable ?? 'no content length');
    }
    if (sizeBytes > request.maxBytes) {
      response.destroy();
      throw new MediaError('too_large', { details: { announcedBytes: sizeBytes } });
    }
    return { response, sizeBytes };
  }
  throw new DirectSourceUnusable('too many redirects');
}

function get(
  target: URL,
  headers: Record<string, string>,
  agents: { http: HttpAgent; https: HttpsAgent },
  signal: AbortSignal,
  socketTimeoutMs = 20_000,
): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const options = { method: 'GET', headers, signal };
    const outgoing =
      target.protocol === 'https:'
        ? httpsRequest(target, { ...options, agent: agents.https })
        : httpRequest(target, { ...options, agent: agents.http });
    outgoing.setTimeout(socketTimeoutMs, () => {
      outgoing.destroy(new MediaError('timed_out', { message: 'The site stopped answering.' }));
    });
    outgoing.once('response', resolve);
    outgoing.once('error', reject);
    outgoing.end();
  });
}

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
        callback(new MediaError('too_large', { details: { receivedBytes: received } }));
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
  response.once('error', (error) => fail(signal.aborted ? stopError() : siteError(error)));
  response.once('aborted', () => fail(siteError(new Error('the connection was cut'))));
  response.once('end', () => {
    if (received < sizeBytes) fail(siteError(new Error('the body ended early')));
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

function siteError(cause: Error): MediaError {
  return new MediaError('site_unreachable', {
    message: 'The site stopped sending the file.',
    retryable: true,
    cause,
  });
}
