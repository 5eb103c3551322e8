import { extname } from 'node:path';

const rawContentTypes: Record<string, string> = {
  '.mp4': 'video/mp4',
  '.m4v': 'video/mp4',
  '.webm': 'video/webm',
  '.mkv': 'video/x-matroska',
  '.mov': 'video/quicktime',
  '.ts': 'video/mp2t',
  '.m4a': 'audio/mp4',
  '.mp3': 'audio/mpeg',
  '.ogg': 'audio/ogg',
  '.opus': 'audio/ogg',
};

/** The content type a raw download is stored with, by its file name. */
export function rawContentTypeOf(fileName: string): string {
  return rawContentTypes[extname(fileName).toLowerCase()] ?? 'application/octet-stream';
}

/** `media.<ext>` for an extension we know, else `media.bin` (the transcoder probes it anyway). */
export function rawFileNameFor(ext: string | null): string {
  const known = `.${(ext ?? '').toLowerCase()}`;
  return `media${known in rawContentTypes ? known : '.bin'}`;
}
