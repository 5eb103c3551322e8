import { describe, expect, it } from 'vitest';
import { fixtureText } from '../testing/fixtures.ts';
import { createFfmpegProgressParser, type TranscodeProgress } from './ffmpeg-progress.ts';

describe('ffmpeg -progress parsing', () => {
  it('turns captured key=value blocks into percentages of the duration', () => {
    const seen: TranscodeProgress[] = [];
    const onLine = createFfmpegProgressParser(5, (p) => seen.push(p));
    for (const line of fixtureText('ffmpeg-progress.txt').split('\n')) onLine(line);
    expect(seen.length).toBeGreaterThanOrEqual(2);
    expect(seen[0]).toMatchObject({ outTimeSeconds: 0.050167, done: false, speed: 7.89 });
    expect(seen[0]?.percent).toBeCloseTo(1.00334, 4);
    expect(seen.at(-1)).toMatchObject({ done: true, percent: 100 });
  });

  it('gives no percentage without a duration, and never more than 100', () => {
    const seen: TranscodeProgress[] = [];
    const noDuration = createFfmpegProgressParser(null, (p) => seen.push(p));
    for (const line of ['out_time_us=1000000', 'progress=continue']) noDuration(line);
    const overrun = createFfmpegProgressParser(0.5, (p) => seen.push(p));
    for (const line of [
      'out_time_us=N/A',
      'progress=continue',
      'out_time_us=2000000',
      'progress=continue',
    ]) {
      overrun(line);
    }
    expect(seen.map((p) => p.percent)).toEqual([null, 0, 100]);
  });
});
