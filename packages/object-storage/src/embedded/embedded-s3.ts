import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import S3rver from 's3rver';
import { verifySignatureV4 } from './sigv4.ts';

export interface EmbeddedS3Options {
  /** Where objects are kept on disk. */
  directory: string;
  /** 0 (default) picks a free port. */
  port?: number;
  accessKey: string;
  secretKey: string;
  /** The clock used to judge link expiry and request skew; default the real one. */
  now?: () => Date;
}

/** One request the embedded S3 accepted, as tests want to see it. */
export interface EmbeddedS3Request {
  method: string;
  /** `/<bucket>/<key>`, without the query. */
  path: string;
  /** The Range header of a partial GET, or null. */
  range: string | null;
  /** `x-amz-copy-source` of a server-side copy, or null. */
  copySource: string | null;
}

export interface EmbeddedS3 {
  /** `http://127.0.0.1:<port>` */
  endpoint: string;
  port: number;
  /** Requests refused by signature checks so far (for tests). */
  refusals(): number;
  /** Every request let through so far, oldest first (for tests: which bodies moved). */
  requests(): readonly EmbeddedS3Request[];
  close(): Promise<void>;
}

interface S3rverStore {
  deleteObject(bucket: string, key: string): Promise<void>;
}

interface S3rverAccountModule {
  DUMMY_ACCOUNT: { createKeyPair(accessKeyId: string, secretAccessKey: string): void };
}

function xmlError(response: ServerResponse, status: number, code: string, message: string): void {
  const escape = (text: string) =>
    text.replace(/[<>&"']/g, (character) => `&#${character.charCodeAt(0)};`);
  response.writeHead(status, { 'content-type': 'application/xml' });
  response.end(
    `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${escape(code)}</Code><Message>${escape(message)}</Message></Error>`,
  );
}

/** s3rver lacks ListMultipartUploads, which minio asks before every multipart upload. */
function answerEmptyUploadListing(request: IncomingMessage, response: ServerResponse): boolean {
  const url = new URL(request.url ?? '/', 'http://embedded');
  const bucket = /^\/([^/]+)\/?$/.exec(url.pathname)?.[1];
  if (request.method !== 'GET' || !bucket || !url.searchParams.has('uploads')) return false;
  response.writeHead(200, { 'content-type': 'application/xml' });
  response.end(
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
      '<ListMultipartUploadsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">' +
      `<Bucket>${decodeURIComponent(bucket)}</Bucket><KeyMarker></KeyMarker><UploadIdMarker></UploadIdMarker>` +
      '<MaxUploads>1000</MaxUploads><IsTruncated>false</IsTruncated></ListMultipartUploadsResult>',
  );
  return true;
}

/**
 * An S3-compatible server on 127.0.0.1 for tests and local runs: s3rver (file-system store,
 * path-style only) behind a gate that verifies AWS Signature V4, refuses anonymous requests and
 * expired presigned links.
 */
export async function startEmbeddedS3(options: EmbeddedS3Options): Promise<EmbeddedS3> {
  const now = options.now ?? (() => new Date());
  // s3rver only knows the access keys in its account registry; it does not check V4 signatures.
  const require = createRequire(import.meta.url);
  const accounts = require('s3rver/lib/models/account') as S3rverAccountModule;
  accounts.DUMMY_ACCOUNT.createKeyPair(options.accessKey, options.secretKey);

  const s3rver = new S3rver({
    directory: options.directory,
    silent: true,
    vhostBuckets: false,
    address: '127.0.0.1',
  });
  // Koa's request handler: its promise settles when s3rver is done with the request.
  const handle = s3rver.callback() as unknown as (
    request: IncomingMessage,
    response: ServerResponse,
  ) => Promise<void>;
  const store = (s3rver as unknown as { store: S3rverStore }).store;

  /**
   * S3 stores nothing from a PUT whose body ends before its Content-Length; s3rver keeps what
   * arrived. Such an object is deleted as soon as s3rver has finished writing it.
   */
  async function handleForgettingIncompletePut(
    request: IncomingMessage,
    response: ServerResponse,
  ): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://embedded');
    const target = /^\/([^/]+)\/(.+)$/.exec(url.pathname);
    const isObjectPut =
      request.method === 'PUT' &&
      target !== null &&
      url.search === '' &&
      request.headers['x-amz-copy-source'] === undefined;
    if (isObjectPut) {
      // s3rver pipes the body into its file and waits for 'end', which an aborted request never
      // emits: end it so s3rver finishes, then delete what it wrote.
      request.once('close', () => {
        if (!request.complete) request.emit('end');
      });
    }
    await handle(request, response);
    if (!isObjectPut || request.complete) return;
    const [, bucket = '', encodedKey = ''] = target;
    await store.deleteObject(decodeURIComponent(bucket), decodeURIComponent(encodedKey));
  }
  let refused = 0;
  const accepted: EmbeddedS3Request[] = [];

  const server = createServer((request, response) => {
    const verdict = verifySignatureV4(
      { method: request.method ?? 'GET', url: request.url ?? '/', headers: request.headers },
      options,
      now(),
    );
    if (!verdict.ok) {
      refused += 1;
      request.resume();
      xmlError(response, verdict.status, verdict.code, verdict.message);
      return;
    }
    const header = (name: string) => {
      const value = request.headers[name];
      return typeof value === 'string' ? value : null;
    };
    accepted.push({
      method: request.method ?? 'GET',
      path: new URL(request.url ?? '/', 'http://embedded').pathname,
      range: header('range'),
      copySource: header('x-amz-copy-source'),
    });
    if (answerEmptyUploadListing(request, response)) return;
    handleForgettingIncompletePut(request, response).catch(() => {
      // The client is gone; the object was never stored or is already deleted.
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    refusals: () => refused,
    requests: () => [...accepted],
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      (s3rver as unknown as { logger?: { close(): void } }).logger?.close();
    },
  };
}
