import { describe, expect, it } from 'vitest';
import { contentTypeOf, parseRange } from './media-server.ts';

describe('parseRange', () => {
  it('reads the single-range forms yt-dlp and players send', () => {
    expect(parseRange('bytes=0-99', 1000)).toEqual({ start: 0, end: 99 });
    expect(parseRange('bytes=900-', 1000)).toEqual({ start: 900, end: 999 });
    expect(parseRange('bytes=-100', 1000)).toEqual({ start: 900, end: 999 });
    expect(parseRange('bytes=990-5000', 1000)).toEqual({ start: 990, end: 999 });
    expect(parseRange('bytes=-5000', 1000)).toEqual({ start: 0, end: 999 });
  });

  it('serves the whole file for absent, malformed or multi-range headers', () => {
    expect(parseRange(undefined, 1000)).toBeUndefined();
    expect(parseRange('items=0-1', 1000)).toBeUndefined();
    expect(parseRange('bytes=0-1,5-6', 1000)).toBeUndefined();
    expect(parseRange('bytes=-', 1000)).toBeUndefined();
  });

  it('refuses ranges past the end', () => {
    expect(parseRange('bytes=1000-', 1000)).toBe('unsatisfiable');
    expect(parseRange('bytes=5-2', 1000)).toBe('unsatisfiable');
    expect(parseRange('bytes=-0', 1000)).toBe('unsatisfiable');
  });
});

describe('contentTypeOf', () => {
  it('names media types by extension', () => {
    expect(contentTypeOf('/a/b.MP4')).toBe('video/mp4');
    expect(contentTypeOf('hls/index.m3u8')).toBe('application/vnd.apple.mpegurl');
    expect(contentTypeOf('seg.ts')).toBe('video/mp2t');
    expect(contentTypeOf('page.html')).toBe('text/html; charset=utf-8');
    expect(contentTypeOf('x.unknown')).toBe('application/octet-stream');
  });
});
