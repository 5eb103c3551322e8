import { createReadStream } from 'node:fs';
import { stat as fileStat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { Client, type BucketItem } from 'minio';
import { z } from 'zod';
import { isNotFound, ObjectStorageError, storageUnavailable } from './errors.ts';
import { assertBucketName, assertKeyPrefix, assertObjectKey } from './object-key.ts';

/** Which of our two buckets: `media` (Telegram-ready files) or `raw` (downloads before transcoding). */
export type BucketRole = 'media' | 'raw';

export interface ObjectStorageOptions {
  /** Where this service reaches S3, e.g. `http://minio:9000` (no path). */
  endpoint: string;
  accessKey: string;
  secretKey: string;
  region: string;
  buckets: Record<BucketRole, string>;
  /** Host users' links point at when it differs from the internal endpoint (e.g. `https://files.example.com`). */
  publicEndpoint?: string | undefined;
  /**
   * Streams of unknown size are sent in parts of this size; at most one part is held in memory
   * per upload. Default 8 MiB (S3's minimum is 5 MiB). Files go up in one streamed request.
   */
  partSizeBytes?: number;
  /** Signing time of links; injected by tests. */
  now?: () => Date;
}

export interface StoredObject {
  bucket: BucketRole;
  key: string;
  sizeBytes: number;
  etag: string;
}

export interface ObjectInfo {
  bucket: BucketRole;
  key: string;
  sizeBytes: number;
  etag: string;
  lastModified: Date;
  contentType: string | null;
}

export interface SignedLink {
  url: string;
  expiresAt: Date;
}

/** S3 refuses presigned links valid for longer than 7 days. */
export const maxLinkSeconds = 7 * 24 * 3600;

export interface ObjectStorage {
  readonly bucketNames: Readonly<Record<BucketRole, string>>;
  /** Creates the buckets that do not exist yet (at start-up). */
  ensureBuckets(): Promise<void>;
  /** Streams a local file up in one request (no part buffering, no payload hashing). */
  putFile(
    bucket: BucketRole,
    key: string,
    filePath: string,
    contentType: string,
  ): Promise<StoredObject>;
  /**
   * Streams any readable up: in one request when `sizeBytes` (its exact length) is given, else in
   * parts. A body that errors or ends short fails the put and stores nothing.
   */
  putStream(
    bucket: BucketRole,
    key: string,
    body: Readable,
    options: { contentType: string; sizeBytes?: number | undefined },
  ): Promise<StoredObject>;
  /** Throws `object_not_found` when the object is missing. */
  getStream(bucket: BucketRole, key: string): Promise<Readable>;
  /** Downloads to a local file (written beside it first, then renamed). */
  getToFile(bucket: BucketRole, key: string, filePath: string): Promise<ObjectInfo>;
  /** `null` when the object does not exist. */
  stat(bucket: BucketRole, key: string): Promise<ObjectInfo | null>;
  /** Removing a missing object is not an error. */
  remove(bucket: BucketRole, key: string): Promise<void>;
  /** Every object under a prefix (`''` for all), oldest listing order of the store. */
  list(bucket: BucketRole, prefix?: string): AsyncIterable<ObjectInfo>;
  /**
   * Deletes objects last modified before `olderThan` (optionally under a prefix); returns how many.
   * `keep` is asked about each batch of such keys (up to 1000) right before it is deleted and
   * returns those to leave in place.
   */
  removeOlderThan(
    bucket: BucketRole,
    olderThan: Date,
    options?: {
      prefix?: string;
      keep?: (keys: readonly string[]) => Promise<ReadonlySet<string>>;
    },
  ): Promise<{ removed: number }>;
  /**
   * A GET link signed for `expiresSeconds` (1 s … 7 days), on the public endpoint when set, or
   * on the internal endpoint with `via: 'internal'` (for our own tools, e.g. ffprobe reading an
   * object where it lies; range requests work on it).
   */
  presignedGetUrl(
    bucket: BucketRole,
    key: string,
    expiresSeconds: number,
    options?: { downloadFileName?: string; via?: 'public' | 'internal' },
  ): Promise<SignedLink>;
  /** Readiness: the media bucket answers. */
  check(): Promise<void>;
}

const endpointSchema = z
  .url({ protocol: /^https?$/ })
  .transform((text) => new URL(text))
  .refine((url) => url.pathname === '/' && url.search === '' && url.username === '', {
    message: 'an S3 endpoint is scheme://host[:port] without a path, query or credentials',
  });

function clientFor(
  endpoint: string,
  options: Pick<ObjectStorageOptions, 'accessKey' | 'secretKey' | 'region'> & {
    partSize: number;
    retries: boolean;
  },
): Client {
  const url = endpointSchema.parse(endpoint);
  const useSSL = url.protocol === 'https:';
  const client = new Client({
    endPoint: url.hostname.replace(/^\[|\]$/g, ''),
    port: url.port === '' ? (useSSL ? 443 : 80) : Number(url.port),
    useSSL,
    accessKey: options.accessKey,
    secretKey: options.secretKey,
    // A fixed region means the client never asks the server for it (and presigning stays offline).
    region: options.region,
    pathStyle: true,
    partSize: options.partSize,
    retryOptions: { disableRetry: !options.retries },
  });
  // minio signs the SHA-256 of every payload on plain http (UNSIGNED-PAYLOAD only on https):
  // ~0.1 s of CPU per 100 MB, on top of Content-MD5 for parts. The request itself stays signed,
  // which is all S3 and our embedded gate check; the payload's integrity is TCP's (and
  // Content-MD5's for parts), as it is on https.
  client.enableSHA256 = false;
  return client;
}

/** RFC 6266 attachment header with an ASCII fallback and the exact UTF-8 name. */
function attachmentDisposition(fileName: string): string {
  const ascii = fileName.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(fileName)}`;
}

/** S3's largest single PUT; larger files go in parts. */
const maxSinglePutBytes = 5 * 1024 ** 3;

export function createObjectStorage(options: ObjectStorageOptions): ObjectStorage {
  const partSize = options.partSizeBytes ?? 8 * 1024 * 1024;
  const now = options.now ?? (() => new Date());
  const bucketNames = {
    media: assertBucketName(options.buckets.media),
    raw: assertBucketName(options.buckets.raw),
  };
  const credentials = {
    accessKey: options.accessKey,
    secretKey: options.secretKey,
    region: options.region,
    partSize,
    retries: true,
  };
  const client = clientFor(options.endpoint, credentials);
  // A streamed body cannot be sent twice: minio's retry of a 5xx would send an empty one.
  const streamingUploader = clientFor(options.endpoint, { ...credentials, retries: false });
  const signer = options.publicEndpoint ? clientFor(options.publicEndpoint, credentials) : client;
  const nameOf = (bucket: BucketRole) => bucketNames[bucket];

  async function attempt<T>(operation: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw storageUnavailable(operation, error);
    }
  }

  /**
   * One streamed PUT of a body of known size: multipart would hold each part in memory, hash it,
   * and make the store join the parts afterwards (on the embedded S3, a 100 MB put took 1.4 s in
   * parts, 0.4 s so). A body that fails or ends short aborts the request: nothing is stored.
   */
  async function putSingle(
    bucket: BucketRole,
    key: string,
    body: Readable,
    sizeBytes: number,
    contentType: string,
  ): Promise<StoredObject> {
    const response = await attempt('put', () =>
      streamingUploader.makeRequestStreamAsync(
        {
          method: 'PUT',
          bucketName: nameOf(bucket),
          objectName: key,
          headers: { 'Content-Length': sizeBytes, 'Content-Type': contentType },
        },
        body,
        '',
        [200],
        options.region,
      ),
    );
    response.resume();
    const etag = String(response.headers.etag ?? '').replace(/^"|"$/g, '');
    return { bucket, key, sizeBytes, etag };
  }

  async function putStream(
    bucket: BucketRole,
    key: string,
    body: Readable,
    putOptions: { contentType: string; sizeBytes?: number | undefined },
  ): Promise<StoredObject> {
    assertObjectKey(key);
    if (putOptions.sizeBytes !== undefined && putOptions.sizeBytes <= maxSinglePutBytes) {
      return putSingle(bucket, key, body, putOptions.sizeBytes, putOptions.contentType);
    }
    // With an unknown size the client would pick parts for a 5 TiB object (hundreds of MiB each,
    // held in memory); announcing the largest size our part size allows keeps parts small.
    const sizeHint = putOptions.sizeBytes ?? partSize * 10_000;
    const result = await attempt('put', () =>
      client.putObject(nameOf(bucket), key, body, sizeHint, {
        'Content-Type': putOptions.contentType,
      }),
    );
    const sizeBytes =
      putOptions.sizeBytes ??
      (await attempt('stat', () => client.statObject(nameOf(bucket), key))).size;
    return { bucket, key, sizeBytes, etag: result.etag };
  }

  async function stat(bucket: BucketRole, key: string): Promise<ObjectInfo | null> {
    assertObjectKey(key);
    try {
      const info = await client.statObject(nameOf(bucket), key);
      const contentType = info.metaData['content-type'] as unknown;
      return {
        bucket,
        key,
        sizeBytes: info.size,
        etag: info.etag,
        lastModified: info.lastModified,
        contentType: typeof contentType === 'string' ? contentType : null,
      };
    } catch (error) {
      if (isNotFound(error)) return null;
      throw storageUnavailable('stat', error);
    }
  }

  async function* list(bucket: BucketRole, prefix = ''): AsyncIterable<ObjectInfo> {
    assertKeyPrefix(prefix);
    const items = client.listObjectsV2(nameOf(bucket), prefix, true) as AsyncIterable<BucketItem>;
    try {
      for await (const item of items) {
        if (item.name === undefined) continue;
        yield {
          bucket,
          key: item.name,
          sizeBytes: item.size,
          etag: item.etag,
          lastModified: item.lastModified,
          contentType: null,
        };
      }
    } catch (error) {
      throw storageUnavailable('list', error);
    }
  }

  return {
    bucketNames,

    async ensureBuckets() {
      for (const name of new Set(Object.values(bucketNames))) {
        await attempt('ensure bucket', async () => {
          if (await client.bucketExists(name)) return;
          try {
            await client.makeBucket(name, options.region);
          } catch (error) {
            // Another replica created it between our check and our create.
            const code = (error as { code?: string }).code;
            if (code !== 'BucketAlreadyOwnedByYou' && code !== 'BucketAlreadyExists') throw error;
          }
        });
      }
    },

    async putFile(bucket, key, filePath, contentType) {
      assertObjectKey(key);
      const { size } = await fileStat(filePath);
      return putStream(bucket, key, createReadStream(filePath), { contentType, sizeBytes: size });
    },

    putStream,

    async getStream(bucket, key) {
      assertObjectKey(key);
      try {
        return await client.getObject(nameOf(bucket), key);
      } catch (error) {
        if (isNotFound(error)) {
          throw new ObjectStorageError('object_not_found', `No object ${bucket}/${key}`, {
            retryable: false,
            details: { bucket, key },
          });
        }
        throw storageUnavailable('get', error);
      }
    },

    async getToFile(bucket, key, filePath) {
      assertObjectKey(key);
      const info = await stat(bucket, key);
      if (!info) {
        throw new ObjectStorageError('object_not_found', `No object ${bucket}/${key}`, {
          retryable: false,
          details: { bucket, key },
        });
      }
      await attempt('download', () => client.fGetObject(nameOf(bucket), key, filePath));
      return info;
    },

    stat,

    async remove(bucket, key) {
      assertObjectKey(key);
      try {
        await client.removeObject(nameOf(bucket), key);
      } catch (error) {
        if (!isNotFound(error)) throw storageUnavailable('remove', error);
      }
    },

    list,

    async removeOlderThan(bucket, olderThan, removeOptions = {}) {
      let removed = 0;
      let batch: string[] = [];
      const flush = async () => {
        if (batch.length === 0) return;
        const kept = (await removeOptions.keep?.(batch)) ?? new Set<string>();
        const names = batch.filter((name) => !kept.has(name));
        batch = [];
        if (names.length === 0) return;
        await attempt('remove many', () => client.removeObjects(nameOf(bucket), names));
        removed += names.length;
      };
      for await (const item of list(bucket, removeOptions.prefix ?? '')) {
        if (item.lastModified.getTime() >= olderThan.getTime()) continue;
        batch.push(item.key);
        // S3 deletes at most 1000 keys per request.
        if (batch.length === 1000) await flush();
      }
      await flush();
      return { removed };
    },

    async presignedGetUrl(bucket, key, expiresSeconds, linkOptions = {}) {
      assertObjectKey(key);
      if (
        !Number.isInteger(expiresSeconds) ||
        expiresSeconds < 1 ||
        expiresSeconds > maxLinkSeconds
      ) {
        throw new ObjectStorageError(
          'invalid_link_expiry',
          `A link lives 1 s to ${maxLinkSeconds} s, not ${expiresSeconds}`,
          { retryable: false },
        );
      }
      const signedAt = now();
      const responseHeaders = linkOptions.downloadFileName
        ? { 'response-content-disposition': attachmentDisposition(linkOptions.downloadFileName) }
        : {};
      const linkSigner = linkOptions.via === 'internal' ? client : signer;
      const url = await attempt('presign', () =>
        linkSigner.presignedGetObject(
          nameOf(bucket),
          key,
          expiresSeconds,
          responseHeaders,
          signedAt,
        ),
      );
      // SigV4 dates have whole seconds: the link dies that many seconds after its signing second.
      const signedSecond = Math.floor(signedAt.getTime() / 1000) * 1000;
      return { url, expiresAt: new Date(signedSecond + expiresSeconds * 1000) };
    },

    async check() {
      const exists = await attempt('check', () => client.bucketExists(bucketNames.media));
      if (!exists) {
        throw new ObjectStorageError(
          'storage_unavailable',
          `Bucket ${bucketNames.media} is missing`,
          { retryable: true },
        );
      }
    },
  };
}
