import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isFastStart, probeFile } from '@mediabot/media-tools';
import { ensureSampleMedia, startMediaServer, type MediaServer } from '@mediabot/sample-media';
import { readRemoteMp4Layout } from './remote-media.ts';

let server: MediaServer;
let sampleDir: string;

beforeAll(async () => {
  const samples = await ensureSampleMedia();
  sampleDir = samples.dir;
  server = await startMediaServer({ dir: samples.dir });
});
afterAll(() => server.close());

describe('readRemoteMp4Layout (range requests on a link)', () => {
  it('finds the boxes of a fast-start MP4 and the duration of its movie header', async () => {
    const before = server.requests.length;
    const layout = await readRemoteMp4Layout(
      server.urlOf('small-360p.mp4'),
      new AbortController().signal,
    );
    expect(isFastStart(layout.boxes)).toBe(true);
    const local = await probeFile(join(sampleDir, 'small-360p.mp4'));
    expect(layout.durationSeconds).toBeCloseTo(local.durationSeconds ?? -1, 1);
    // One small range read per top-level box up to the media data.
    const reads = server.requests.slice(before);
    expect(reads).toHaveLength(layout.boxes.length);
    expect(reads.every((request) => request.status === 206)).toBe(true);
  });

  it('sees that an MP4 with its index at the end does not start fast', async () => {
    const layout = await readRemoteMp4Layout(
      server.urlOf('moov-at-end.mp4'),
      new AbortController().signal,
    );
    expect(isFastStart(layout.boxes)).toBe(false);
  });
});
