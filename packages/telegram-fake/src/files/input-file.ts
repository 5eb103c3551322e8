import { createWriteStream } from 'node:fs';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { badRequest, Reasons } from '../bot-api/errors.ts';
import type { UploadedFile } from '../server/request-body.ts';
import type { FileKind, FileStore, StoredFile } from './file-store.ts';
import { mimeTypeOf } from './mime.ts';

export interface InputFileSource {
  files: FileStore;
  uploads: ReadonlyMap<string, UploadedFile>;
  urlDownloadBytes: number;
}

const PHOTO_CLASS: readonly FileKind[] = ['photo', 'thumbnail'];

/**
 * What a media argument names, in the three ways the Bot API allows: a file uploaded with the
 * request (its field, or attach://<field>), the file_id of a file Telegram already has, or an
 * HTTP URL for Telegram to fetch.
 */
export async function resolveInputFile(
  source: InputFileSource,
  field: string,
  raw: string | undefined,
  kind: FileKind,
): Promise<StoredFile> {
  const upload =
    source.uploads.get(field) ??
    (raw?.startsWith('attach://') ? source.uploads.get(raw.slice('attach://'.length)) : undefined);
  if (upload) {
    return source.files.adopt(upload.path, {
      kind,
      size: upload.size,
      fileName: upload.fileName,
      mimeType: mimeTypeOf(upload.fileName, upload.claimedMimeType),
    });
  }
  const value = raw?.trim() ?? '';
  if (value === '') throw badRequest(`there is no ${field} in the request`);
  if (/^https?:\/\//i.test(value)) return fetchUrl(source, value, kind);

  const known = source.files.find(value);
  if (!known) throw badRequest(Reasons.wrongFileId);
  if (PHOTO_CLASS.includes(known.kind) !== PHOTO_CLASS.includes(kind)) {
    throw badRequest(Reasons.fileTypeMismatch);
  }
  return known;
}

/** A thumbnail can only be a new upload; anything else is ignored, as Telegram does. */
export async function resolveThumbnail(
  source: InputFileSource,
  raw: string | undefined,
): Promise<StoredFile | undefined> {
  const upload =
    (raw?.startsWith('attach://')
      ? source.uploads.get(raw.slice('attach://'.length))
      : undefined) ??
    source.uploads.get('thumbnail') ??
    source.uploads.get('thumb');
  if (!upload) return undefined;
  return source.files.adopt(upload.path, {
    kind: 'thumbnail',
    size: upload.size,
    fileName: upload.fileName,
    mimeType: mimeTypeOf(upload.fileName, upload.claimedMimeType),
  });
}

async function fetchUrl(source: InputFileSource, url: string, kind: FileKind): Promise<StoredFile> {
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(30_000) });
  } catch {
    throw badRequest(Reasons.failedToGetUrl);
  }
  if (!response.ok || !response.body) {
    await response.body?.cancel();
    throw badRequest(Reasons.failedToGetUrl);
  }
  const contentType = response.headers.get('content-type') ?? '';
  if (contentType.startsWith('text/html')) {
    await response.body.cancel();
    throw badRequest(Reasons.wrongWebPageContent);
  }
  const incoming = source.files.newIncomingPath();
  let size = 0;
  const limit = source.urlDownloadBytes;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      size += chunk.length;
      if (size > limit) callback(badRequest(Reasons.fileTooBig));
      else callback(null, chunk);
    },
  });
  try {
    await pipeline(
      Readable.fromWeb(response.body as WebReadableStream<Uint8Array>),
      counter,
      createWriteStream(incoming),
    );
  } catch (error) {
    await source.files.discard(incoming);
    throw size > limit ? badRequest(Reasons.fileTooBig) : (error as Error);
  }
  const fileName = decodeURIComponent(new URL(url).pathname.split('/').pop() ?? '') || 'file';
  return source.files.adopt(incoming, {
    kind,
    size,
    fileName,
    mimeType: mimeTypeOf(fileName, contentType.split(';')[0]),
  });
}
