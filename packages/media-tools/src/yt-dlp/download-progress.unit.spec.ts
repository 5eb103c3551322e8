import { describe, expect, it } from 'vitest';
import { fixtureText } from '../testing/fixtures.ts';
import { createProgressTracker, parseProgressLine } from './download-progress.ts';

describe('yt-dlp progress lines', () => {
  const lines = fixtureText('yt-dlp-progress-hls.txt').trim().split('\n');

  it('parses every captured HLS tick, and only our prefixed lines', () => {
    const ticks = lines.map(parseProgressLine);
    expect(ticks.every((tick) => tick !== undefined)).toBe(true);
    expect(ticks[0]).toMatchObject({
      status: 'downloading',
      downloaded_bytes: 1024,
      fragment_count: 3,
    });
    expect(ticks.at(-1)).toMatchObject({ status: 'finished', total_bytes: 610_436 });
    expect(parseProgressLine('[download] 10% of 1MiB')).toBeUndefined();
    expect(parseProgressLine('MBPROGRESS {not json')).toBeUndefined();
    expect(parseProgressLine('MBPROGRESS {"downloaded_bytes": 1}')).toBeUndefined();
  });

  it('reports an estimate-based percentage while fragments arrive and 100 at the end', () => {
    const track = createProgressTracker();
    const progress = lines.flatMap((line) => {
      const tick = parseProgressLine(line);
      return tick === undefined ? [] : [track(tick)];
    });
    expect(progress[0]).toMatchObject({
      totalIsEstimate: true,
      totalBytes: 750_684,
      fileNumber: 1,
    });
    expect(progress.at(-1)).toMatchObject({
      status: 'finished',
      percent: 100,
      downloadedBytes: 610_436,
      announcedBytes: 610_436,
    });
    const downloaded = progress.map((p) => p.downloadedBytes);
    expect([...downloaded].sort((a, b) => a - b)).toEqual(downloaded);
  });

  it('adds up the video and audio files of a merged format', () => {
    const track = createProgressTracker();
    track({
      status: 'finished',
      filename: 'media.f137.mp4',
      downloaded_bytes: 1000,
      total_bytes: 1000,
    });
    const audio = track({
      status: 'downloading',
      filename: 'media.f140.m4a',
      downloaded_bytes: 50,
      total_bytes: 200,
    });
    expect(audio).toMatchObject({
      downloadedBytes: 1050,
      announcedBytes: 1200,
      percent: 25,
      fileNumber: 2,
    });
  });
});
