import { createHash } from 'node:crypto';
import { MediaError } from '../errors/media-error.ts';
import { directSourcesOf, type DirectSource } from './direct-source.ts';
import type { YtDlpFormat, YtDlpInfo } from './yt-dlp-info.ts';

export type VideoQuality = '1080p' | '720p' | '360p';
export type QualityChoice = VideoQuality | 'audio-mp3';

export interface QualityOption {
  quality: QualityChoice;
  /** A yt-dlp `-f` expression: the exact formats seen at probe time, then generic fallbacks. */
  formatSelector: string;
  /** Height of the chosen video (null for audio, or when the site does not say). */
  height: number | null;
  /** Bytes yt-dlp will download for this option, when the site gives enough to estimate. */
  estimatedBytes: number | null;
}

export interface MediaInfo {
  /** Cache identity: the same media reached through different URLs has the same key. */
  mediaKey: string;
  id: string;
  extractor: string;
  extractorKey: string;
  title: string;
  durationSeconds: number | null;
  uploader: string | null;
  webpageUrl: string;
  thumbnailUrl: string | null;
  qualities: QualityOption[];
  /**
   * Where each single-file http(s) format can be fetched without running yt-dlp again. These
   * URLs may carry a site's signature and expire: they stay in the downloader, never in events.
   */
  directSources?: readonly DirectSource[];
}

const videoTiers: readonly { quality: VideoQuality; height: number }[] = [
  { quality: '1080p', height: 1080 },
  { quality: '720p', height: 720 },
  { quality: '360p', height: 360 },
];
/** A tier is offered when the source reaches this share of its height ("has it or close"). */
const offerThreshold = 0.9;
/** A format this much above a tier still counts as "at" the tier (1088p is 1080p). */
const atTierTolerance = 1.05;

const audioOnlyExtensions = new Set(['mp3', 'm4a', 'aac', 'ogg', 'oga', 'opus', 'flac', 'wav']);
// These extractors derive ids from the URL's last path segment, which is not unique across sites.
const urlScopedExtractors = new Set(['Generic', 'HTML5MediaEmbed']);

type FormatKind = 'muxed' | 'video' | 'audio';

interface Candidate {
  format: YtDlpFormat;
  kind: FormatKind;
  /** Resolution class ("1080" for 1920x1080, 1920x800 and 1080x1920), null when unknown. */
  resolutionClass: number | null;
  bytes: number | null;
  /** yt-dlp lists formats worst first; a higher index is better at equal resolution. */
  rank: number;
}

// Network protocols yt-dlp fetches itself (through the egress proxy). Anything else — file://,
// storyboards (mhtml), rtmp — is never offered.
const downloadableProtocols = new Set([
  'http',
  'https',
  'm3u8',
  'm3u8_native',
  'http_dash_segments',
  'http_dash_segments_generator',
  'f4m',
  'ism',
]);

function formatKind(format: YtDlpFormat): FormatKind | null {
  if (format.has_drm === true) return null;
  if (format.protocol != null && !downloadableProtocols.has(format.protocol)) return null;
  if (format.ext === 'mhtml') return null; // storyboards
  const hasVideo =
    format.vcodec === 'none'
      ? false
      : typeof format.vcodec === 'string' ||
        format.height != null ||
        format.width != null ||
        !audioOnlyExtensions.has(format.ext ?? '');
  const hasAudio = format.acodec !== 'none';
  if (hasVideo && hasAudio) return 'muxed';
  if (hasVideo) return 'video';
  if (hasAudio) return 'audio';
  return null;
}

export function resolutionClass(width: number | null, height: number | null): number | null {
  if (width == null || height == null) return height ?? null;
  const shortSide = Math.min(width, height);
  const longSide = Math.max(width, height);
  return Math.max(shortSide, Math.round((longSide * 9) / 16));
}

/** filesize, else filesize_approx, else bitrate (kbit/s) × duration. */
export function estimateFormatBytes(
  format: YtDlpFormat,
  durationSeconds: number | null,
): number | null {
  const exact = format.filesize ?? format.filesize_approx;
  if (exact != null && exact > 0) return Math.round(exact);
  const kbitPerSecond =
    format.tbr ??
    (format.vbr != null || format.abr != null ? (format.vbr ?? 0) + (format.abr ?? 0) : null);
  if (kbitPerSecond == null || kbitPerSecond <= 0 || durationSeconds == null) return null;
  return Math.round(((kbitPerSecond * 1000) / 8) * durationSeconds);
}

function sumBytes(...parts: (number | null)[]): number | null {
  let total = 0;
  for (const part of parts) {
    if (part == null) return null;
    total += part;
  }
  return total;
}

function formatsOf(info: YtDlpInfo): YtDlpFormat[] {
  if (info.formats && info.formats.length > 0) return info.formats;
  if (info.format_id == null) return [];
  return [
    {
      format_id: info.format_id,
      ext: info.ext,
      vcodec: info.vcodec,
      acodec: info.acodec,
      width: info.width,
      height: info.height,
      tbr: info.tbr,
      filesize: info.filesize,
      filesize_approx: info.filesize_approx,
      protocol: info.protocol,
      url: info.url,
      http_headers: info.http_headers,
    },
  ];
}

// H.264 and AAC can go to Telegram as they are; anything else costs a re-encode.
const isH264 = (c: Candidate): boolean => /^(avc|h264)/i.test(c.format.vcodec ?? '');
const isAac = (c: Candidate): boolean => /^(mp4a|aac)/i.test(c.format.acodec ?? '');

function better(a: Candidate, b: Candidate): Candidate {
  const classA = a.resolutionClass ?? -1;
  const classB = b.resolutionClass ?? -1;
  if (classA !== classB) return classA > classB ? a : b;
  if (isH264(a) !== isH264(b)) return isH264(a) ? a : b;
  return a.rank > b.rank ? a : b;
}

function pickVideoForTier(candidates: Candidate[], tierHeight: number): Candidate | undefined {
  const atOrBelow = candidates.filter(
    (c) => c.resolutionClass != null && c.resolutionClass <= tierHeight * atTierTolerance,
  );
  if (atOrBelow.length > 0) return atOrBelow.reduce(better);
  // Everything is above the tier: the smallest is the closest we can do.
  return candidates.reduce((smallest, c) => {
    const classC = c.resolutionClass ?? Number.POSITIVE_INFINITY;
    const classS = smallest.resolutionClass ?? Number.POSITIVE_INFINITY;
    if (classC !== classS) return classC < classS ? c : smallest;
    return c.rank > smallest.rank ? c : smallest;
  });
}

function pickBestAudio(candidates: Candidate[]): Candidate | undefined {
  const audio = candidates.filter((c) => c.kind === 'audio');
  if (audio.length === 0) return undefined;
  const bitrate = (c: Candidate): number => c.format.abr ?? c.format.tbr ?? 0;
  return audio.reduce((best, c) => {
    if (isAac(c) !== isAac(best)) return isAac(c) ? c : best;
    if (bitrate(c) !== bitrate(best)) return bitrate(c) > bitrate(best) ? c : best;
    return c.rank > best.rank ? c : best;
  });
}

function genericVideoSelector(tierHeight: number): string {
  return `bv*[height<=?${tierHeight}]+ba/b[height<=?${tierHeight}]/wv*+ba/w`;
}

function videoOption(
  quality: VideoQuality,
  tierHeight: number,
  video: Candidate,
  audio: Candidate | undefined,
): QualityOption {
  const needsAudio = video.kind === 'video' && audio !== undefined;
  const exact = needsAudio
    ? `${video.format.format_id}+${audio.format.format_id}`
    : video.format.format_id;
  return {
    quality,
    formatSelector: `${exact}/${genericVideoSelector(tierHeight)}`,
    height: video.format.height ?? null,
    estimatedBytes: needsAudio ? sumBytes(video.bytes, audio.bytes) : video.bytes,
  };
}

function planQualities(candidates: Candidate[]): QualityOption[] {
  const videos = candidates.filter((c) => c.kind !== 'audio');
  const audio = pickBestAudio(candidates);
  const options: QualityOption[] = [];

  if (videos.length > 0) {
    const classes = videos.flatMap((c) => (c.resolutionClass == null ? [] : [c.resolutionClass]));
    if (classes.length === 0) {
      // The site does not say how tall the video is: offer one "best up to 1080p" choice.
      options.push(videoOption('1080p', 1080, videos.reduce(better), audio));
    } else {
      const tallest = Math.max(...classes);
      const chosenIds = new Set<string>();
      const lowestTier = videoTiers[videoTiers.length - 1];
      for (const tier of videoTiers) {
        const offered = tallest >= tier.height * offerThreshold || tier === lowestTier;
        if (!offered) continue;
        const video = pickVideoForTier(videos, tier.height);
        if (video === undefined || chosenIds.has(video.format.format_id)) continue;
        chosenIds.add(video.format.format_id);
        options.push(videoOption(tier.quality, tier.height, video, audio));
      }
    }
  }

  const hasAudio = audio !== undefined || videos.some((c) => c.kind === 'muxed');
  if (hasAudio) {
    const source = audio ?? videos.filter((c) => c.kind === 'muxed').reduce(better);
    options.push({
      quality: 'audio-mp3',
      formatSelector: `${source.format.format_id}/ba/b`,
      height: null,
      estimatedBytes: source.bytes,
    });
  }
  return options;
}

export function mediaKeyOf(info: Pick<YtDlpInfo, 'extractor_key' | 'id' | 'webpage_url'>): string {
  if (!urlScopedExtractors.has(info.extractor_key)) return `${info.extractor_key}:${info.id}`;
  const urlHash = createHash('sha256').update(info.webpage_url).digest('hex').slice(0, 16);
  return `${info.extractor_key}:${info.id}:${urlHash}`;
}

/** Turns yt-dlp's description of one video into what the bot offers. Throws MediaError. */
export function toMediaInfo(info: YtDlpInfo): MediaInfo {
  if (info._type === 'playlist' || info._type === 'multi_video') {
    throw new MediaError('unsupported_site', {
      message: 'This link is a playlist; send a link to a single video.',
      details: { reason: 'playlist' },
    });
  }
  if (info.is_live === true) {
    throw new MediaError('unsupported_site', {
      message: 'Live streams cannot be downloaded.',
      details: { reason: 'live' },
    });
  }
  const durationSeconds = info.duration ?? null;
  const candidates = formatsOf(info).flatMap((format, rank): Candidate[] => {
    const kind = formatKind(format);
    if (kind === null) return [];
    return [
      {
        format,
        kind,
        rank,
        resolutionClass:
          kind === 'audio' ? null : resolutionClass(format.width ?? null, format.height ?? null),
        bytes: estimateFormatBytes(format, durationSeconds),
      },
    ];
  });
  const qualities = planQualities(candidates);
  if (qualities.length === 0) {
    throw new MediaError('unsupported_site', {
      message: 'No downloadable video or audio was found at this link.',
      details: { reason: 'no_formats' },
    });
  }
  return {
    mediaKey: mediaKeyOf(info),
    id: info.id,
    extractor: info.extractor,
    extractorKey: info.extractor_key,
    title: info.title ?? info.id,
    durationSeconds,
    uploader: info.uploader ?? null,
    webpageUrl: info.webpage_url,
    thumbnailUrl: info.thumbnail ?? null,
    qualities,
    directSources: directSourcesOf(formatsOf(info)),
  };
}
