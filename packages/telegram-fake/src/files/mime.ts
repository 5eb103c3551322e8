import { extname } from 'node:path';

const MIME_BY_EXTENSION: Record<string, string> = {
  '.mp4': 'video/mp4',
  '.m4v': 'video/mp4',
  '.mov': 'video/quicktime',
  '.webm': 'video/webm',
  '.mkv': 'video/x-matroska',
  '.avi': 'video/x-msvideo',
  '.mp3': 'audio/mpeg',
  '.m4a': 'audio/mp4',
  '.aac': 'audio/aac',
  '.ogg': 'audio/ogg',
  '.oga': 'audio/ogg',
  '.opus': 'audio/ogg',
  '.flac': 'audio/flac',
  '.wav': 'audio/x-wav',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.png': 'image/png',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.pdf': 'application/pdf',
  '.zip': 'application/zip',
  '.txt': 'text/plain',
  '.json': 'application/json',
};

const GENERIC = new Set(['', 'application/octet-stream', 'binary/octet-stream']);

/** The MIME type Telegram would report: from the file name, else what the upload claimed. */
export function mimeTypeOf(fileName: string, claimed: string | undefined): string {
  const byName = MIME_BY_EXTENSION[extname(fileName).toLowerCase()];
  if (byName) return byName;
  if (claimed && !GENERIC.has(claimed.toLowerCase())) return claimed.toLowerCase();
  return 'application/octet-stream';
}

export function extensionOf(fileName: string): string {
  return extname(fileName).toLowerCase();
}
