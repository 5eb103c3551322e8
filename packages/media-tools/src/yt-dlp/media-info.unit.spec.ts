import { describe, expect, it } from 'vitest';
import { MediaError } from '../errors/media-error.ts';
import { fixtureText } from '../testing/fixtures.ts';
import { estimateFormatBytes, mediaKeyOf, resolutionClass, toMediaInfo } from './media-info.ts';
import { parseProbeOutput } from './probe-media.ts';
import { type YtDlpInfo, ytDlpInfoSchema } from './yt-dlp-info.ts';

function info(overrides: Record<string, unknown>): YtDlpInfo {
  return ytDlpInfoSchema.parse({
    id: 'abc',
    extractor: 'example',
    extractor_key: 'Example',
    title: 'A title',
    webpage_url: 'https://example.com/v/abc',
    duration: 100,
    ...overrides,
  });
}

function thrownBy(action: () => unknown): MediaError {
  try {
    action();
  } catch (error) {
    if (error instanceof MediaError) return error;
    throw error;
  }
  throw new Error('expected a MediaError');
}

describe('parseProbeOutput on captured yt-dlp output', () => {
  it('a direct MP4 link: generic extractor, one "best up to 1080p" choice and MP3', () => {
    const media = parseProbeOutput(fixtureText('yt-dlp-direct-mp4.json'));
    expect(media).toMatchObject({
      id: 'small-360p',
      extractorKey: 'Generic',
      title: 'small-360p',
      durationSeconds: null,
      webpageUrl: 'http://127.0.0.1:18090/small-360p.mp4',
    });
    expect(media.mediaKey).toMatch(/^Generic:small-360p:[0-9a-f]{16}$/);
    expect(media.qualities).toEqual([
      {
        quality: '1080p',
        formatSelector: 'mp4/bv*[height<=?1080]+ba/b[height<=?1080]/wv*+ba/w',
        height: null,
        estimatedBytes: null,
      },
      { quality: 'audio-mp3', formatSelector: 'mp4/ba/b', height: null, estimatedBytes: null },
    ]);
  });

  it('an HTML page with <video src>: found by the HTML5 embed extractor', () => {
    const media = parseProbeOutput(fixtureText('yt-dlp-html-page.json'));
    expect(media.extractorKey).toBe('HTML5MediaEmbed');
    expect(media.title).toBe('Sample video page (1)');
    expect(media.qualities.map((q) => q.quality)).toEqual(['1080p', 'audio-mp3']);
  });

  it('an HLS master playlist: offers the variants that exist, with bitrate-free sizes unknown', () => {
    const media = parseProbeOutput(fixtureText('yt-dlp-hls-master.json'));
    expect(media.qualities).toEqual([
      {
        quality: '720p',
        formatSelector: '950/bv*[height<=?720]+ba/b[height<=?720]/wv*+ba/w',
        height: 720,
        estimatedBytes: null,
      },
      {
        quality: '360p',
        formatSelector: '500/bv*[height<=?360]+ba/b[height<=?360]/wv*+ba/w',
        height: 360,
        estimatedBytes: null,
      },
      { quality: 'audio-mp3', formatSelector: '950/ba/b', height: null, estimatedBytes: null },
    ]);
  });

  it('a DASH manifest: separate video and audio streams are paired for merging', () => {
    const media = parseProbeOutput(fixtureText('yt-dlp-dash.json'));
    expect(
      media.qualities.map((q) => [q.quality, q.formatSelector.split('/')[0], q.height]),
    ).toEqual([
      ['720p', '0+2', 720],
      ['360p', '1+2', 360],
      ['audio-mp3', '2', null],
    ]);
  });

  it('a direct MP3 link offers audio only', () => {
    const media = parseProbeOutput(fixtureText('yt-dlp-direct-mp3.json'));
    expect(media.qualities).toEqual([
      { quality: 'audio-mp3', formatSelector: 'mpeg/ba/b', height: null, estimatedBytes: null },
    ]);
  });

  it('rejects output that is not JSON or not yt-dlp-shaped as internal errors', () => {
    expect(thrownBy(() => parseProbeOutput('Traceback (most recent call last)')).code).toBe(
      'internal',
    );
    const shapeless = thrownBy(() => parseProbeOutput('{"id": 1}'));
    expect(shapeless.code).toBe('internal');
    expect(shapeless.message).not.toMatch(/Traceback|id/);
  });
});

describe('quality choices from a YouTube-shaped description (synthetic fixture)', () => {
  const media = parseProbeOutput(fixtureText('yt-dlp-youtube-like.synthetic.json'));

  it('keys the cache by extractor and id', () => {
    expect(media.mediaKey).toBe('Youtube:dQw4w9WgXcQ');
  });

  it('picks the best H.264 at or below each height, merged with the best AAC audio', () => {
    expect(media.qualities).toEqual([
      {
        quality: '1080p',
        formatSelector: '137+140/bv*[height<=?1080]+ba/b[height<=?1080]/wv*+ba/w',
        height: 1080,
        estimatedBytes: 112_290_000 + 3_385_000,
      },
      {
        quality: '720p',
        formatSelector: '22/bv*[height<=?720]+ba/b[height<=?720]/wv*+ba/w',
        height: 720,
        // No filesize: 1327 kbit/s × 209 s.
        estimatedBytes: 34_667_875,
      },
      {
        quality: '360p',
        formatSelector: '18/bv*[height<=?360]+ba/b[height<=?360]/wv*+ba/w',
        height: 360,
        estimatedBytes: 12_540_000,
      },
      {
        quality: 'audio-mp3',
        formatSelector: '140/ba/b',
        height: null,
        estimatedBytes: 3_385_000,
      },
    ]);
  });
});

describe('toMediaInfo decisions', () => {
  const video = (
    id: string,
    width: number,
    height: number,
    extra: Record<string, unknown> = {},
  ) => ({
    format_id: id,
    ext: 'mp4',
    vcodec: 'avc1',
    acodec: 'mp4a.40.2',
    width,
    height,
    tbr: 1000,
    ...extra,
  });

  it('does not offer 1080p for a 720p source, and offers it for a 1072-line one', () => {
    const hd = toMediaInfo(info({ formats: [video('a', 640, 360), video('b', 1280, 720)] }));
    expect(hd.qualities.map((q) => q.quality)).toEqual(['720p', '360p', 'audio-mp3']);
    const almost = toMediaInfo(info({ formats: [video('a', 1906, 1072)] }));
    expect(almost.qualities.map((q) => q.quality)).toEqual(['1080p', 'audio-mp3']);
  });

  it('classes portrait and ultrawide videos by their nominal resolution', () => {
    expect(resolutionClass(1080, 1920)).toBe(1080);
    expect(resolutionClass(1920, 800)).toBe(1080);
    expect(resolutionClass(1440, 1080)).toBe(1080);
    expect(resolutionClass(null, 480)).toBe(480);
    expect(resolutionClass(null, null)).toBeNull();
    const portrait = toMediaInfo(info({ formats: [video('tall', 1080, 1920)] }));
    expect(portrait.qualities[0]).toMatchObject({ quality: '1080p', height: 1920 });
  });

  it('offers one low choice (the real height) when the source is smaller than 360p', () => {
    const tiny = toMediaInfo(info({ formats: [video('a', 426, 240)] }));
    expect(tiny.qualities.map((q) => [q.quality, q.height])).toEqual([
      ['360p', 240],
      ['audio-mp3', null],
    ]);
  });

  it('falls back to the smallest format when nothing is at or below a tier, once', () => {
    const big = toMediaInfo(info({ formats: [video('a', 1280, 720), video('b', 1920, 1080)] }));
    expect(big.qualities.map((q) => [q.quality, q.formatSelector.split('/')[0]])).toEqual([
      ['1080p', 'b'],
      ['720p', 'a'],
      ['audio-mp3', 'b'],
    ]);
  });

  it('ignores storyboards and DRM formats', () => {
    const media = toMediaInfo(
      info({
        formats: [
          { format_id: 'sb', ext: 'mhtml', vcodec: 'none', acodec: 'none', protocol: 'mhtml' },
          video('drm', 1920, 1080, { has_drm: true }),
          video('ok', 640, 360),
        ],
      }),
    );
    expect(media.qualities.map((q) => q.formatSelector.split('/')[0])).toEqual(['ok', 'ok']);
  });

  it('never offers formats outside http(s), HLS and DASH (file:// embedded in a page)', () => {
    const local = toMediaInfo(
      info({
        formats: [
          { format_id: 'local', ext: 'mp4', protocol: 'file' },
          { format_id: 'web', ext: 'mp4', protocol: 'https' },
        ],
      }),
    );
    expect(local.qualities.map((q) => q.formatSelector.split('/')[0])).toEqual(['web', 'web']);
    expect(
      thrownBy(() =>
        toMediaInfo(info({ formats: [{ format_id: 'x', ext: 'mp4', protocol: 'file' }] })),
      ).code,
    ).toBe('unsupported_site');
  });

  it('refuses playlists, live streams and pages without media as unsupported', () => {
    expect(thrownBy(() => toMediaInfo(info({ _type: 'playlist', entries: [] }))).details).toEqual({
      reason: 'playlist',
    });
    expect(
      thrownBy(() => toMediaInfo(info({ is_live: true, formats: [video('a', 1, 1)] }))).code,
    ).toBe('unsupported_site');
    expect(thrownBy(() => toMediaInfo(info({ formats: [] }))).details).toEqual({
      reason: 'no_formats',
    });
  });

  it('reads a single top-level format when `formats` is absent', () => {
    const media = toMediaInfo(info({ format_id: 'only', ext: 'mp4', height: 720, width: 1280 }));
    expect(media.qualities[0]).toMatchObject({ quality: '720p', height: 720 });
  });

  it('estimates size from filesize, then filesize_approx, then bitrate × duration', () => {
    const base = { format_id: 'x' };
    expect(estimateFormatBytes({ ...base, filesize: 10, filesize_approx: 20, tbr: 8 }, 100)).toBe(
      10,
    );
    expect(estimateFormatBytes({ ...base, filesize_approx: 20, tbr: 8 }, 100)).toBe(20);
    expect(estimateFormatBytes({ ...base, tbr: 8 }, 100)).toBe(100_000);
    expect(estimateFormatBytes({ ...base, vbr: 6, abr: 2 }, 100)).toBe(100_000);
    expect(estimateFormatBytes({ ...base, tbr: 8 }, null)).toBeNull();
  });

  it('scopes generic ids by URL so two sites’ "video.mp4" never share a cache entry', () => {
    const one = mediaKeyOf({
      extractor_key: 'Generic',
      id: 'video',
      webpage_url: 'https://a.example/video.mp4',
    });
    const two = mediaKeyOf({
      extractor_key: 'Generic',
      id: 'video',
      webpage_url: 'https://b.example/video.mp4',
    });
    expect(one).not.toBe(two);
    expect(
      mediaKeyOf({ extractor_key: 'Youtube', id: 'x', webpage_url: 'https://youtu.be/x' }),
    ).toBe('Youtube:x');
  });
});
