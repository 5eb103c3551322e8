import { describe, expect, it } from 'vitest';
import { fixtureText } from '../testing/fixtures.ts';
import { directSourcesOf, exactFormatIdOf } from './direct-source.ts';
import { parseProbeOutput } from './probe-media.ts';
import { ytDlpFormatSchema } from './yt-dlp-info.ts';

const format = (overrides: Record<string, unknown>) =>
  ytDlpFormatSchema.parse({
    format_id: '18',
    ext: 'mp4',
    protocol: 'https',
    url: 'https://cdn.example.com/v/18.mp4?sig=abc',
    http_headers: { 'User-Agent': 'ua', Referer: 'https://example.com/' },
    ...overrides,
  });

describe('directSourcesOf', () => {
  it('keeps a plain http(s) file with the headers yt-dlp would send', () => {
    expect(directSourcesOf([format({})])).toEqual([
      {
        formatId: '18',
        url: 'https://cdn.example.com/v/18.mp4?sig=abc',
        httpHeaders: { 'User-Agent': 'ua', Referer: 'https://example.com/' },
        ext: 'mp4',
      },
    ]);
  });

  it.each([
    ['an HLS playlist', { protocol: 'm3u8_native' }],
    ['DASH segments', { protocol: 'http_dash_segments' }],
    ['a fragmented format', { fragments: [{ url: 'https://cdn.example.com/1' }] }],
    ['chunked downloads', { downloader_options: { http_chunk_size: 10485760 } }],
    ['DRM', { has_drm: true }],
    ['no URL', { url: null }],
    ['a non-http URL', { url: 'file:///etc/passwd' }],
    ['an rtmp format', { protocol: 'rtmp' }],
  ])('leaves %s to yt-dlp', (_label, overrides) => {
    expect(directSourcesOf([format(overrides)])).toEqual([]);
  });

  it('finds the file of a direct MP4 link and nothing in HLS or DASH probes', () => {
    const direct = parseProbeOutput(fixtureText('yt-dlp-direct-mp4.json'));
    expect(direct.directSources).toEqual([
      expect.objectContaining({ formatId: 'mp4', url: 'http://127.0.0.1:18090/small-360p.mp4' }),
    ]);
    expect(parseProbeOutput(fixtureText('yt-dlp-hls-master.json')).directSources).toEqual([]);
    expect(parseProbeOutput(fixtureText('yt-dlp-dash.json')).directSources).toEqual([]);
  });
});

describe('exactFormatIdOf', () => {
  it.each([
    ['18/bv*[height<=?360]+ba/b[height<=?360]/wv*+ba/w', '18'],
    ['hls-720p/bv*[height<=?720]+ba/b', 'hls-720p'],
    ['mp4/ba/b', 'mp4'],
    ['137+140/bv*[height<=?1080]+ba/b', null],
    ['bv*[height<=?720]+ba/b', null],
    ['b', null],
    ['best', null],
    ['ba/b', null],
  ])('%s → %s', (selector, expected) => {
    expect(exactFormatIdOf(selector)).toBe(expected);
  });
});
