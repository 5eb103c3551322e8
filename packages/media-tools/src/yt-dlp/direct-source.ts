import type { YtDlpFormat } from './yt-dlp-info.ts';

/** A format whose bytes are one plain HTTP(S) response: no fragments, no merge, no tricks. */
export interface DirectSource {
  formatId: string;
  url: string;
  /** Headers yt-dlp would send for it (User-Agent, Referer, a site's cookies). */
  httpHeaders: Readonly<Record<string, string>>;
  ext: string | null;
}

const maxSourceUrlLength = 8_192;

function isDirect(format: YtDlpFormat): format is YtDlpFormat & { url: string } {
  if (format.protocol !== 'http' && format.protocol !== 'https') return false;
  if (typeof format.url !== 'string' || format.url.length > maxSourceUrlLength) return false;
  if (!/^https?:\/\//i.test(format.url)) return false;
  if (format.has_drm === true) return false;
  if (format.fragments != null && format.fragments.length > 0) return false;
  // Chunked downloads (YouTube's http_chunk_size) and other downloader tuning stay with yt-dlp.
  if (format.downloader_options != null && Object.keys(format.downloader_options).length > 0) {
    return false;
  }
  return true;
}

/** The formats of a probe that can be fetched with one GET. */
export function directSourcesOf(formats: readonly YtDlpFormat[]): DirectSource[] {
  return formats.filter(isDirect).map((format) => ({
    formatId: format.format_id,
    url: format.url,
    httpHeaders: { ...(format.http_headers ?? {}) },
    ext: format.ext ?? null,
  }));
}

/**
 * The one format a quality option asked for first, when that is a single format (`18` in
 * `18/bv*[height<=?360]+ba/…`); null for a merge (`137+140`) or a generic expression.
 */
export function exactFormatIdOf(formatSelector: string): string | null {
  const first = formatSelector.split('/')[0] ?? '';
  return /^[\w.-]+$/.test(first) && !/^(b|w|bv|ba|wv|wa|best|worst)\*?$/.test(first) ? first : null;
}
