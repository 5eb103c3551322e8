import { describe, expect, it } from 'vitest';
import { MediaError } from '../errors/media-error.ts';
import { fixtureText } from '../testing/fixtures.ts';
import { parseFfprobeOutput, type MediaProbe } from './ffprobe.ts';
import { isFastStart } from './mp4-boxes.ts';
import { planTranscode } from './plan-transcode.ts';
import { compressionTarget, scaleFilter } from './transcode.ts';
import { thumbnailTimeSeconds } from './thumbnail.ts';

function errorCodeOf(action: () => unknown): string {
  try {
    action();
  } catch (error) {
    if (error instanceof MediaError) return error.code;
  }
  return 'no MediaError';
}

const probeOf = (name: string, fastStart: boolean | null = null): MediaProbe => ({
  ...parseFfprobeOutput(fixtureText(name)),
  fastStart,
});

describe('parseFfprobeOutput on captured ffprobe JSON', () => {
  it('reads an H.264/AAC MP4', () => {
    expect(probeOf('ffprobe-mp4-h264-aac.json')).toMatchObject({
      container: 'mp4',
      durationSeconds: 5,
      video: { codec: 'h264', width: 640, height: 360, pixelFormat: 'yuv420p', frameRate: 25 },
      audio: { codec: 'aac', channels: 1, sampleRate: 44100 },
      hasCoverArt: false,
    });
  });

  it('reads VP9/Opus WebM, Matroska and a tagged MP3', () => {
    expect(probeOf('ffprobe-webm-vp9-opus.json')).toMatchObject({
      container: 'matroska',
      video: { codec: 'vp9' },
      audio: { codec: 'opus' },
    });
    expect(probeOf('ffprobe-mkv-h264-aac.json').container).toBe('matroska');
    expect(probeOf('ffprobe-mp3-tagged.json')).toMatchObject({
      container: 'mp3',
      video: null,
      audio: { codec: 'mp3' },
    });
  });

  it('rejects what is not ffprobe JSON as invalid media', () => {
    expect(() => parseFfprobeOutput('nope')).toThrow(MediaError);
    expect(() => parseFfprobeOutput('{"streams": "x"}')).toThrow(MediaError);
  });
});

describe('planTranscode', () => {
  it('passes a faststart H.264/AAC MP4 through, and remuxes one with moov at the end', () => {
    expect(planTranscode(probeOf('ffprobe-mp4-h264-aac.json', true))).toEqual({
      action: 'pass-through',
      video: 'copy',
      audio: 'copy',
      reasons: [],
    });
    expect(planTranscode(probeOf('ffprobe-mp4-h264-aac.json', false))).toMatchObject({
      action: 'remux',
      reasons: ['moov after mdat'],
    });
  });

  it('remuxes H.264/AAC in Matroska without re-encoding', () => {
    expect(planTranscode(probeOf('ffprobe-mkv-h264-aac.json'))).toEqual({
      action: 'remux',
      video: 'copy',
      audio: 'copy',
      reasons: ['container matroska'],
    });
  });

  it('re-encodes VP9/Opus', () => {
    expect(planTranscode(probeOf('ffprobe-webm-vp9-opus.json'))).toEqual({
      action: 'transcode',
      video: 'encode',
      audio: 'encode',
      reasons: ['video codec vp9', 'audio codec opus'],
    });
  });

  it('re-encodes only what is wrong: 10-bit, odd sizes, too tall; opus alone keeps the video', () => {
    const mp4 = probeOf('ffprobe-mp4-h264-aac.json', true);
    const video = mp4.video ?? expect.unreachable();
    expect(
      planTranscode({
        ...mp4,
        video: { ...video, profile: 'High 10', pixelFormat: 'yuv420p10le' },
      }),
    ).toMatchObject({
      action: 'transcode',
      video: 'encode',
      audio: 'copy',
    });
    expect(planTranscode({ ...mp4, video: { ...video, width: 641 } }).reasons).toEqual([
      'odd dimensions',
    ]);
    expect(
      planTranscode(probeOf('ffprobe-mp4-720p.json', true), { maxHeight: 480 }).reasons,
    ).toEqual(['taller than 480p']);
    const audio = mp4.audio ?? expect.unreachable();
    expect(planTranscode({ ...mp4, audio: { ...audio, codec: 'opus' } })).toMatchObject({
      action: 'transcode',
      video: 'copy',
      audio: 'encode',
    });
    expect(planTranscode({ ...mp4, audio: null })).toMatchObject({
      action: 'pass-through',
      audio: 'none',
    });
  });

  it('refuses audio-only input', () => {
    expect(() => planTranscode(probeOf('ffprobe-mp3-tagged.json'))).toThrow(/no video/);
  });
});

describe('encoding parameters', () => {
  const mp4 = probeOf('ffprobe-mp4-720p.json', true);

  it('scales to even sizes and caps the short side, for landscape and portrait', () => {
    const video = mp4.video ?? expect.unreachable();
    expect(scaleFilter(video)).toBe('scale=trunc(iw/2)*2:trunc(ih/2)*2');
    expect(scaleFilter(video, 480)).toBe('scale=-2:480');
    expect(scaleFilter({ ...video, width: 720, height: 1280 }, 480)).toBe('scale=480:-2');
  });

  it('targets a bitrate that leaves room for audio and the container', () => {
    // 5 s into 1 MB: 1e6 × 8 × 0.95 / 5 / 1000 = 1520 kbit/s, minus 96 for audio.
    expect(compressionTarget(mp4, 1_000_000)).toEqual({
      videoKbps: 1424,
      audioKbps: 96,
      maxShortSide: 720,
    });
    expect(errorCodeOf(() => compressionTarget(mp4, 50_000))).toBe('too_large');
    expect(errorCodeOf(() => compressionTarget({ ...mp4, durationSeconds: null }, 1_000_000))).toBe(
      'invalid_media',
    );
  });

  it('picks a thumbnail frame a tenth in, at most 10 s', () => {
    expect(thumbnailTimeSeconds(5)).toBe(0.5);
    expect(thumbnailTimeSeconds(600)).toBe(10);
    expect(thumbnailTimeSeconds(null)).toBe(0);
  });
});

describe('isFastStart', () => {
  it('wants the movie header before the media data', () => {
    expect(isFastStart(['ftyp', 'moov', 'mdat'])).toBe(true);
    expect(isFastStart(['ftyp', 'mdat', 'moov'])).toBe(false);
    expect(isFastStart(['ftyp', 'moov', 'moof', 'mdat'])).toBe(true);
    expect(isFastStart(['ftyp', 'free', 'mdat'])).toBe(false);
  });
});
