import { describe, expect, it } from 'vitest';
import { cacheStream, FetchFailed, MediaReady, type RecordedEnvelope } from '@mediabot/contracts';
import { mediaJobErrorOf } from '@mediabot/media-jobs';
import { MediaError } from '@mediabot/media-tools';
import { audioOption, mediaFetched, probeOf, videoOption } from '../testing/messages.ts';
import {
  conversionEndedIn,
  decideConversionEnding,
  decideConversionFailure,
  isPassThrough,
  mediaReadyData,
  outputFileName,
  outputPlanFor,
} from './convert.decide.ts';

const now = new Date('2030-01-01T00:00:00Z');

function recorded(events: ReturnType<typeof decideConversionEnding>): RecordedEnvelope[] {
  return events.map((event, index) => ({
    ...event,
    globalPosition: BigInt(index + 1),
    transactionId: 1n,
    streamVersion: BigInt(index + 1),
  }));
}

describe('decideConversionEnding', () => {
  const fetched = mediaFetched({});
  const ready = {
    kind: 'ready',
    data: mediaReadyData({
      fetched: fetched.data,
      kind: 'video',
      bucket: 'media',
      objectKey: 'k/media.mp4',
      thumbnailObjectKey: 'k/thumb.jpg',
      sizeBytes: 1234,
      probe: probeOf(),
    }),
  } as const;

  it('answers download.fetched with media-ready on the cache stream', () => {
    const [event] = decideConversionEnding([], fetched, ready, now);
    expect(event?.type).toBe(MediaReady.type);
    expect(event?.streamId).toBe(cacheStream(fetched.data.cacheKey));
    expect(event?.causationId).toBe(fetched.eventId);
    expect(event?.data).toEqual({
      cacheKey: fetched.data.cacheKey,
      objectKey: 'k/media.mp4',
      bucket: 'media',
      thumbnailObjectKey: 'k/thumb.jpg',
      kind: 'video',
      mimeType: 'video/mp4',
      fileName: 'Sample clip.mp4',
      sizeBytes: 1234,
      width: 640,
      height: 360,
      durationSeconds: 5.02,
      title: 'Sample clip',
      performer: 'Sample uploader',
    });
  });

  it('ends a failed conversion with fetch-failed under the same id, and never twice', () => {
    const failed = {
      kind: 'failed',
      stage: 'convert',
      error: { code: 'internal', retryable: false, detail: 'invalid_media' },
    } as const;
    const [asReady] = decideConversionEnding([], fetched, ready, now);
    const [asFailed] = decideConversionEnding([], fetched, failed, now);
    expect(asFailed?.type).toBe(FetchFailed.type);
    expect(asFailed?.data).toMatchObject({ stage: 'convert', error: { code: 'internal' } });
    expect(asFailed?.eventId).toBe(asReady?.eventId);

    const ended = recorded([asReady!]);
    expect(conversionEndedIn(ended, fetched.eventId)).toBe(true);
    expect(decideConversionEnding(ended, fetched, failed, now)).toEqual([]);
  });
});

describe('outputPlanFor', () => {
  it('caps a video at its tier and makes an MP3 for audio, or for a video without picture', () => {
    expect(outputPlanFor({ ...videoOption, quality: '720p' }, probeOf())).toEqual({
      kind: 'video',
      maxHeight: 720,
    });
    expect(outputPlanFor(audioOption, probeOf())).toEqual({ kind: 'audio' });
    expect(outputPlanFor(videoOption, probeOf({ video: null }))).toEqual({ kind: 'audio' });
  });
});

describe('isPassThrough', () => {
  it('holds only for a fast-start H.264/AAC MP4 video within the chosen height', () => {
    expect(isPassThrough(videoOption, probeOf())).toBe(true);
    expect(isPassThrough({ ...videoOption, quality: '720p' }, probeOf())).toBe(true);
    expect(isPassThrough(audioOption, probeOf())).toBe(false);
    expect(
      isPassThrough(
        { ...videoOption, quality: '360p' },
        probeOf({ video: { ...probeOf().video!, width: 1280, height: 720 } }),
      ),
    ).toBe(false);
    expect(isPassThrough(videoOption, probeOf({ fastStart: false }))).toBe(false);
    expect(isPassThrough(videoOption, probeOf({ video: null }))).toBe(false);
  });
});

describe('outputFileName', () => {
  it('keeps a readable title without path or control characters', () => {
    expect(outputFileName('My/clip: "best"\nof', 'video')).toBe('My clip best of.mp4');
    expect(outputFileName('../..', 'audio')).toBe('media.mp3');
    expect(outputFileName('', 'video')).toBe('media.mp4');
  });
});

describe('mediaReadyData', () => {
  it('gives an MP3 no picture size', () => {
    const data = mediaReadyData({
      fetched: mediaFetched({ option: audioOption, uploader: null }).data,
      kind: 'audio',
      bucket: 'media',
      objectKey: 'k/media.mp3',
      thumbnailObjectKey: null,
      sizeBytes: 99,
      probe: probeOf({ video: null }),
    });
    expect(data).toMatchObject({
      kind: 'audio',
      mimeType: 'audio/mpeg',
      fileName: 'Sample clip.mp3',
      width: null,
      height: null,
      performer: null,
    });
  });
});

describe('conversionErrorOf and decideConversionFailure', () => {
  it('reports unreadable media as internal and does not retry it', () => {
    const error = mediaJobErrorOf(
      new MediaError('invalid_media', { details: { reason: 'no_streams' } }),
    );
    expect(error).toMatchObject({ code: 'internal', retryable: false });
    expect(
      decideConversionFailure({
        error,
        stage: 'convert',
        interrupted: false,
        attempt: 1,
        maxAttempts: 3,
      }),
    ).toEqual({ kind: 'conclude', ending: { kind: 'failed', stage: 'convert', error } });
  });

  it('retries transient errors and interruptions', () => {
    const timedOut = mediaJobErrorOf(new MediaError('timed_out'));
    expect(timedOut).toMatchObject({ code: 'timed_out', retryable: true });
    const input = {
      error: timedOut,
      stage: 'convert',
      interrupted: false,
      attempt: 1,
      maxAttempts: 3,
    } as const;
    expect(decideConversionFailure(input).kind).toBe('retry');
    expect(decideConversionFailure({ ...input, attempt: 3 }).kind).toBe('conclude');
    expect(decideConversionFailure({ ...input, attempt: 3, interrupted: true }).kind).toBe('retry');
  });
});
