import busboy from 'busboy';
import { createWriteStream } from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { badRequest, entityTooLarge } from '../bot-api/errors.ts';

export interface UploadedFile {
  field: string;
  fileName: string;
  claimedMimeType: string;
  size: number;
  /** A temporary path; whoever uses the file adopts it into the file store, the rest is removed. */
  path: string;
}

export interface ParsedBody {
  values: Record<string, unknown>;
  files: Map<string, UploadedFile>;
}

export interface BodyLimits {
  /** Largest file accepted in a multipart upload (50 MB on Telegram). */
  maxFileBytes: number;
  /** Largest body without files (JSON, forms, the text fields of a multipart body). */
  maxFieldBytes: number;
}

export interface BodySource {
  headers: IncomingHttpHeaders | Record<string, string | undefined>;
  stream: Readable;
  newIncomingPath: () => string;
  discard: (path: string) => Promise<void>;
}

/**
 * Reads a Bot API request body: JSON, urlencoded or multipart. Files stream to disk; an oversized
 * body is read to its end (so the client gets to read the answer) and refused with 413.
 */
export async function readBody(source: BodySource, limits: BodyLimits): Promise<ParsedBody> {
  const contentType = headerOf(source.headers, 'content-type').toLowerCase();
  if (contentType.startsWith('multipart/form-data')) return readMultipart(source, limits);

  const text = await readText(source.stream, limits.maxFieldBytes);
  if (text.trim() === '') return { values: {}, files: new Map() };
  if (contentType.startsWith('application/json')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw badRequest("can't parse JSON encoded request");
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw badRequest("can't parse JSON encoded request");
    }
    return { values: parsed as Record<string, unknown>, files: new Map() };
  }
  if (contentType.startsWith('application/x-www-form-urlencoded') || contentType === '') {
    return { values: Object.fromEntries(new URLSearchParams(text)), files: new Map() };
  }
  return { values: {}, files: new Map() };
}

function headerOf(headers: BodySource['headers'], name: string): string {
  const value = headers[name];
  return Array.isArray(value) ? (value[0] ?? '') : (value ?? '');
}

async function readText(stream: Readable, maxBytes: number): Promise<string> {
  const chunks: Buffer[] = [];
  let total = 0;
  let tooLarge = false;
  for await (const chunk of stream) {
    const buffer = chunk as Buffer;
    total += buffer.length;
    if (total > maxBytes) tooLarge = true;
    if (!tooLarge) chunks.push(buffer);
  }
  if (tooLarge) throw entityTooLarge();
  return Buffer.concat(chunks).toString('utf8');
}

async function readMultipart(source: BodySource, limits: BodyLimits): Promise<ParsedBody> {
  const values: Record<string, unknown> = {};
  const files = new Map<string, UploadedFile>();
  const writes: Promise<void>[] = [];
  const written: string[] = [];
  let tooLarge = false;
  let fieldBytes = 0;

  let parser: busboy.Busboy;
  try {
    parser = busboy({
      headers: { ...source.headers, 'content-type': headerOf(source.headers, 'content-type') },
      // busboy reports "limit" on reaching the size, so one byte more lets a file of exactly
      // maxFileBytes through.
      limits: { fileSize: limits.maxFileBytes + 1, fieldSize: limits.maxFieldBytes },
    });
  } catch {
    throw badRequest("can't parse multipart/form-data request");
  }

  parser.on('field', (name, value) => {
    fieldBytes += value.length;
    if (fieldBytes > limits.maxFieldBytes) tooLarge = true;
    values[name] = value;
  });
  parser.on('file', (field, stream, info) => {
    const path = source.newIncomingPath();
    written.push(path);
    let size = 0;
    stream.on('data', (chunk: Buffer) => {
      size += chunk.length;
    });
    stream.on('limit', () => {
      tooLarge = true;
    });
    writes.push(
      pipeline(stream, createWriteStream(path)).then(() => {
        files.set(field, {
          field,
          fileName: info.filename || field,
          claimedMimeType: info.mimeType,
          size,
          path,
        });
      }),
    );
  });

  const finished = new Promise<void>((resolve, reject) => {
    parser.on('close', resolve);
    parser.on('error', reject);
    source.stream.on('error', reject);
  });
  source.stream.pipe(parser);
  try {
    await finished;
    await Promise.all(writes);
  } catch {
    await Promise.all(written.map((path) => source.discard(path)));
    throw badRequest("can't parse multipart/form-data request");
  }
  if (tooLarge) {
    await Promise.all(written.map((path) => source.discard(path)));
    throw entityTooLarge();
  }
  return { values, files };
}
