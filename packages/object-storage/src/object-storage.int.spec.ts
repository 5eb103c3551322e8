import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startEmbeddedS3, type EmbeddedS3 } from './embedded/embedded-s3.ts';
import {
  createObjectStorage,
  type ObjectStorage,
  type ObjectStorageOptions,
} from './object-storage.ts';

const accessKey = 'mediabot-test';
const secretKey = 'a-secret-only-this-test-knows';
let directory: string;
let s3: EmbeddedS3;
let serverTime: Date | null = null;
let storage: ObjectStorage;

function storageWith(overrides: Partial<ObjectStorageOptions> = {}): ObjectStorage {
  return createObjectStorage({
    endpoint: s3.endpoint,
    accessKey,
    secretKey,
    region: 'us-east-1',
    buckets: { media: 'test-media', raw: 'test-raw' },
    partSizeBytes: 5 * 1024 * 1024,
    ...overrides,
  });
}

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

async function download(url: string, headers: Record<string, string> = {}) {
  const target = new URL(url);
  return new Promise<{ status: number; body: Buffer; headers: Record<string, unknown> }>(
    (resolve, reject) => {
      // Always to the embedded server, whatever host the link names (public endpoints).
      const outgoing = httpRequest(
        {
          host: '127.0.0.1',
          port: s3.port,
          path: `${target.pathname}${target.search}`,
          headers: { host: target.host, ...headers },
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () =>
            resolve({
              status: response.statusCode ?? 0,
              body: Buffer.concat(chunks),
              headers: response.headers,
            }),
          );
        },
      );
      outgoing.on('error', reject);
      outgoing.end();
    },
  );
}

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'object-storage-'));
  s3 = await startEmbeddedS3({
    directory: join(directory, 'store'),
    accessKey,
    secretKey,
    now: () => serverTime ?? new Date(),
  });
  storage = storageWith();
  await storage.ensureBuckets();
});

afterAll(async () => {
  await s3.close();
  await rm(directory, { recursive: true, force: true });
});

describe('object storage on the embedded S3', () => {
  it('creates buckets once and tolerates a second replica doing the same', async () => {
    await Promise.all([storage.ensureBuckets(), storageWith().ensureBuckets()]);
    await expect(storage.check()).resolves.toBeUndefined();
  });

  it('uploads a file larger than a part in one streamed request and downloads it unchanged', async () => {
    const content = randomBytes(11 * 1024 * 1024 + 17);
    const source = join(directory, 'source.bin');
    await writeFile(source, content);

    const before = s3.requests().length;
    const stored = await storage.putFile('media', 'media/abc/video.mp4', source, 'video/mp4');
    expect(stored).toMatchObject({
      bucket: 'media',
      key: 'media/abc/video.mp4',
      sizeBytes: content.length,
    });
    expect(stored.etag).toBe(createHash('md5').update(content).digest('hex'));
    expect(s3.requests().slice(before)).toEqual([
      { method: 'PUT', path: '/test-media/media/abc/video.mp4', range: null, copySource: null },
    ]);

    const info = await storage.stat('media', 'media/abc/video.mp4');
    expect(info).toMatchObject({ sizeBytes: content.length, contentType: 'video/mp4' });

    const target = join(directory, 'copy.bin');
    await storage.getToFile('media', 'media/abc/video.mp4', target);
    expect(sha256(await readFile(target))).toBe(sha256(content));
  });

  it('streams up a readable of unknown size and streams it back', async () => {
    const parts = [randomBytes(3 * 1024 * 1024), randomBytes(4 * 1024 * 1024), randomBytes(5)];
    const stored = await storage.putStream('raw', 'raw/stream/file.webm', Readable.from(parts), {
      contentType: 'video/webm',
    });
    expect(stored.sizeBytes).toBe(7 * 1024 * 1024 + 5);

    const chunks: Buffer[] = [];
    for await (const chunk of await storage.getStream('raw', 'raw/stream/file.webm')) {
      chunks.push(chunk as Buffer);
    }
    expect(sha256(Buffer.concat(chunks))).toBe(sha256(Buffer.concat(parts)));
  });

  it('streams a readable of known size up in one request', async () => {
    const content = randomBytes(3 * 1024 * 1024 + 7);
    const before = s3.requests().length;
    const stored = await storage.putStream(
      'raw',
      'raw/stream/known.mp4',
      Readable.from([content.subarray(0, 1000), content.subarray(1000)]),
      { contentType: 'video/mp4', sizeBytes: content.length },
    );
    expect(stored).toMatchObject({ sizeBytes: content.length });
    expect(s3.requests().slice(before)).toEqual([
      { method: 'PUT', path: '/test-raw/raw/stream/known.mp4', range: null, copySource: null },
    ]);
    const info = await storage.stat('raw', 'raw/stream/known.mp4');
    expect(info).toMatchObject({ sizeBytes: content.length, contentType: 'video/mp4' });
  });

  it('stores nothing when a body of known size fails half-way', async () => {
    async function* failing() {
      yield randomBytes(1024 * 1024);
      await new Promise((resolve) => setTimeout(resolve, 20));
      throw new Error('the source went away');
    }
    await expect(
      storage.putStream('raw', 'raw/stream/broken.mp4', Readable.from(failing()), {
        contentType: 'video/mp4',
        sizeBytes: 4 * 1024 * 1024,
      }),
    ).rejects.toThrow();
    // The embedded S3 deletes the partial object once it has written it (S3 never shows one).
    await vi.waitFor(async () => {
      expect(await storage.stat('raw', 'raw/stream/broken.mp4')).toBeNull();
    });
  });

  it('refuses a put signed with the wrong secret although the payload is not hashed', async () => {
    const source = join(directory, 'refused.bin');
    await writeFile(source, randomBytes(1024));
    const refusedBefore = s3.refusals();
    await expect(
      storageWith({ secretKey: 'guessed' }).putFile('raw', 'raw/refused.bin', source, 'video/mp4'),
    ).rejects.toMatchObject({ code: 'storage_unavailable' });
    expect(s3.refusals()).toBe(refusedBefore + 1);
    expect(await storage.stat('raw', 'raw/refused.bin')).toBeNull();
  });

  it('says plainly when an object is missing; removing one twice is fine', async () => {
    await storage.putStream('raw', 'raw/gone.txt', Readable.from([Buffer.from('x')]), {
      contentType: 'text/plain',
      sizeBytes: 1,
    });
    await storage.remove('raw', 'raw/gone.txt');
    await storage.remove('raw', 'raw/gone.txt');
    expect(await storage.stat('raw', 'raw/gone.txt')).toBeNull();
    await expect(storage.getStream('raw', 'raw/gone.txt')).rejects.toMatchObject({
      code: 'object_not_found',
      retryable: false,
    });
    await expect(
      storage.getToFile('raw', 'raw/gone.txt', join(directory, 'nope')),
    ).rejects.toMatchObject({
      code: 'object_not_found',
    });
  });

  it('refuses keys that could escape their prefix before sending anything', async () => {
    for (const key of ['../media/x', 'raw/../../x', '/raw/x', 'raw\\x']) {
      await expect(
        storage.putStream('raw', key, Readable.from([Buffer.from('x')]), {
          contentType: 'text/plain',
        }),
      ).rejects.toMatchObject({ code: 'invalid_object_key' });
      await expect(storage.presignedGetUrl('raw', key, 60)).rejects.toMatchObject({
        code: 'invalid_object_key',
      });
    }
  });

  it('removes objects older than a moment, only under the prefix asked for', async () => {
    const put = (key: string) =>
      storage.putStream('raw', key, createReadStream(join(directory, 'source.bin'), { end: 9 }), {
        contentType: 'application/octet-stream',
        sizeBytes: 10,
      });
    await Promise.all([put('raw/old/a'), put('raw/old/b'), put('raw/keep/c')]);
    const listed: string[] = [];
    for await (const item of storage.list('raw', 'raw/old/')) listed.push(item.key);
    expect(listed.sort()).toEqual(['raw/old/a', 'raw/old/b']);

    expect(await storage.removeOlderThan('raw', new Date(Date.now() - 3_600_000))).toEqual({
      removed: 0,
    });
    const future = new Date(Date.now() + 5_000);
    expect(await storage.removeOlderThan('raw', future, { prefix: 'raw/old/' })).toEqual({
      removed: 2,
    });
    expect(await storage.stat('raw', 'raw/old/a')).toBeNull();
    expect(await storage.stat('raw', 'raw/keep/c')).not.toBeNull();
  });

  it('leaves the old objects `keep` names, asking about each batch before deleting it', async () => {
    const put = (key: string) =>
      storage.putStream('raw', key, Readable.from([Buffer.from(key)]), {
        contentType: 'application/octet-stream',
        sizeBytes: Buffer.byteLength(key),
      });
    await Promise.all([put('raw/kept/a'), put('raw/kept/b'), put('raw/kept/c')]);
    const asked: string[][] = [];
    const result = await storage.removeOlderThan('raw', new Date(Date.now() + 5_000), {
      prefix: 'raw/kept/',
      keep: (keys) => {
        asked.push([...keys].sort());
        return Promise.resolve(new Set(['raw/kept/b']));
      },
    });
    expect(result).toEqual({ removed: 2 });
    expect(asked).toEqual([['raw/kept/a', 'raw/kept/b', 'raw/kept/c']]);
    expect(await storage.stat('raw', 'raw/kept/a')).toBeNull();
    expect(await storage.stat('raw', 'raw/kept/b')).not.toBeNull();
    expect(await storage.stat('raw', 'raw/kept/c')).toBeNull();
  });

  describe('signed links', () => {
    const key = 'media/link/file.mp4';
    const content = randomBytes(4096);

    beforeAll(async () => {
      await storage.putStream('media', key, Readable.from([content]), {
        contentType: 'video/mp4',
        sizeBytes: content.length,
      });
    });

    it('downloads the file with a link, as an attachment with the name asked for', async () => {
      const link = await storage.presignedGetUrl('media', key, 3600, {
        downloadFileName: 'Клип "1".mp4',
      });
      const response = await download(link.url);
      expect(response.status).toBe(200);
      expect(sha256(response.body)).toBe(sha256(content));
      expect(response.headers['content-disposition']).toContain("filename*=UTF-8''%D0%9A");
    });

    it('works until its expiry second and is refused after it', async () => {
      const signedAt = new Date('2030-01-01T12:00:00.400Z');
      const signing = storageWith({ now: () => signedAt });
      const link = await signing.presignedGetUrl('media', key, 60);
      expect(link.expiresAt.toISOString()).toBe('2030-01-01T12:01:00.000Z');
      expect(new URL(link.url).searchParams.get('X-Amz-Expires')).toBe('60');

      serverTime = new Date('2030-01-01T12:00:59.000Z');
      expect((await download(link.url)).status).toBe(200);
      serverTime = new Date('2030-01-01T12:01:00.001Z');
      const refused = await download(link.url);
      expect(refused.status).toBe(403);
      expect(refused.body.toString()).toContain('Request has expired');
      serverTime = null;
    });

    it('cannot be stretched, pointed elsewhere or forged', async () => {
      const link = await storage.presignedGetUrl('media', key, 60);
      const stretched = link.url.replace('X-Amz-Expires=60', 'X-Amz-Expires=604800');
      expect((await download(stretched)).status).toBe(403);
      const elsewhere = link.url.replace('/media/link/file.mp4', '/media/abc/video.mp4');
      expect((await download(elsewhere)).status).toBe(403);
      const forged = await storageWith({ secretKey: 'guessed' }).presignedGetUrl('media', key, 60);
      expect((await download(forged.url)).status).toBe(403);
      const anonymous = `${s3.endpoint}/test-media/${key}`;
      expect((await download(anonymous)).status).toBe(403);
    });

    it('names the public endpoint when one is configured', async () => {
      const publicStorage = storageWith({ publicEndpoint: 'https://files.mediabot.test' });
      const link = await publicStorage.presignedGetUrl('media', key, 600);
      expect(
        link.url.startsWith('https://files.mediabot.test/test-media/media/link/file.mp4?'),
      ).toBe(true);
      // A proxy in front of S3 forwards the public Host; the signature covers that host.
      expect((await download(link.url)).status).toBe(200);
      expect((await download(link.url, { host: `127.0.0.1:${s3.port}` })).status).toBe(403);
    });

    it('names the internal endpoint for our own tools, and serves ranges on it', async () => {
      const publicStorage = storageWith({ publicEndpoint: 'https://files.mediabot.test' });
      const link = await publicStorage.presignedGetUrl('media', key, 600, { via: 'internal' });
      expect(link.url.startsWith(`${s3.endpoint}/test-media/media/link/file.mp4?`)).toBe(true);
      const response = await fetch(link.url, { headers: { range: 'bytes=10-19' } });
      expect(response.status).toBe(206);
      expect(Buffer.from(await response.arrayBuffer())).toEqual(content.subarray(10, 20));
    });

    it('refuses lifetimes S3 would not honour', async () => {
      for (const seconds of [0, 1.5, 7 * 24 * 3600 + 1]) {
        await expect(storage.presignedGetUrl('media', key, seconds)).rejects.toMatchObject({
          code: 'invalid_link_expiry',
        });
      }
    });
  });
});
