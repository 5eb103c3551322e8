import { spawn } from 'node:child_process';
import { mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** Every sample file, by what tests need it for. All paths are absolute. */
export interface SampleMedia {
  dir: string;
  /** ~5 s H.264/AAC 640x360 MP4 with faststart: the "already fine" case. */
  mp4Small: string;
  /** ~5 s H.264/AAC 1280x720 MP4. */
  mp4Hd: string;
  /** The small MP4 with its movie header at the end: streams fine, layout needs a remux. */
  mp4MoovAtEnd: string;
  /** The small MP4's streams in Matroska: needs a remux, no re-encode. */
  mkvH264: string;
  /** ~60 s low-bitrate H.264/AAC MP4 (426x240). */
  mp4Long: string;
  /** ~5 s VP9/Opus WebM: needs a re-encode for Telegram. */
  webmVp9: string;
  /** ~5 s MP3 tone with title/artist tags. */
  mp3: string;
  /** ~5 s AAC tone in M4A. */
  m4a: string;
  /** HLS master playlist (`hls/master.m3u8`) with 360p and 720p VOD variants of the small MP4s. */
  hlsPlaylist: string;
  /** MPEG-DASH manifest (`dash/manifest.mpd`): 720p and 360p video-only plus one audio-only
   * stream, so yt-dlp must merge video and audio as it does for YouTube. */
  dashManifest: string;
  /** An HTML page whose `<video src>` points at the small MP4 (relative link). */
  htmlPage: string;
}

export const sampleNames = {
  mp4Small: 'small-360p.mp4',
  mp4Hd: 'small-720p.mp4',
  mp4MoovAtEnd: 'moov-at-end.mp4',
  mkvH264: 'h264-aac.mkv',
  mp4Long: 'long-60s.mp4',
  webmVp9: 'vp9-opus.webm',
  mp3: 'tone.mp3',
  m4a: 'tone.m4a',
  hlsPlaylist: 'hls/master.m3u8',
  dashManifest: 'dash/manifest.mpd',
  htmlPage: 'page.html',
} as const satisfies Record<Exclude<keyof SampleMedia, 'dir'>, string>;

/** `<repo>/.mediabot/sample-media` (git-ignored), or MEDIABOT_SAMPLE_MEDIA_DIR. */
export function defaultSampleMediaDir(): string {
  return (
    process.env.MEDIABOT_SAMPLE_MEDIA_DIR ??
    resolve(import.meta.dirname, '../../../.mediabot/sample-media')
  );
}

export function runFfmpeg(args: readonly string[], ffmpegPath = 'ffmpeg'): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(
      ffmpegPath,
      ['-nostdin', '-hide_banner', '-loglevel', 'error', '-y', ...args],
      {
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-4000);
    });
    child.once('error', reject);
    child.once('close', (code) => {
      if (code === 0) resolvePromise();
      else reject(new Error(`ffmpeg exited with ${code}: ${stderr.trim()}`));
    });
  });
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

const staleLockMs = 5 * 60_000;

/**
 * Makes `target` once: skipped when present; parallel test files wait for whoever holds the
 * lock instead of encoding the same file twice. `make` writes to the temporary path it is given.
 */
async function ensureFile(
  target: string,
  make: (temporary: string) => Promise<void>,
): Promise<string> {
  if (await exists(target)) return target;
  await mkdir(dirname(target), { recursive: true });
  const lock = `${target}.lock`;
  for (;;) {
    try {
      await mkdir(lock);
      break;
    } catch {
      if (await exists(target)) return target;
      const lockInfo = await stat(lock).catch(() => undefined);
      if (lockInfo !== undefined && Date.now() - lockInfo.mtimeMs > staleLockMs) {
        await rm(lock, { recursive: true, force: true });
      }
      await sleep(100);
    }
  }
  try {
    if (await exists(target)) return target;
    const temporary = join(
      dirname(target),
      `.tmp-${process.pid}-${Date.now()}-${target.split('/').at(-1)}`,
    );
    try {
      await make(temporary);
      await rename(temporary, target);
    } finally {
      await rm(temporary, { recursive: true, force: true });
    }
    return target;
  } finally {
    await rm(lock, { recursive: true, force: true });
  }
}

const testPattern = (size: string, seconds: number, rate = 25): string[] => [
  '-f',
  'lavfi',
  '-i',
  `testsrc2=size=${size}:rate=${rate}:duration=${seconds}`,
  '-f',
  'lavfi',
  '-i',
  `sine=frequency=440:sample_rate=44100:duration=${seconds}`,
];

const h264Aac = (videoBitrate: string): string[] => [
  '-c:v',
  'libx264',
  '-preset',
  'ultrafast',
  // A keyframe every 2 s, so the HLS cut below has several segments.
  '-force_key_frames',
  'expr:gte(t,n_forced*2)',
  '-b:v',
  videoBitrate,
  '-pix_fmt',
  'yuv420p',
  '-c:a',
  'aac',
  '-b:a',
  '64k',
  '-shortest',
];

/** Generates (or finds) every sample into `dir`. Idempotent; safe to call from parallel tests. */
export async function ensureSampleMedia(dir = defaultSampleMediaDir()): Promise<SampleMedia> {
  const path = (name: string): string => join(dir, name);
  await mkdir(dir, { recursive: true });

  const mp4Small = await ensureFile(path(sampleNames.mp4Small), (out) =>
    runFfmpeg([
      ...testPattern('640x360', 5),
      ...h264Aac('400k'),
      '-movflags',
      '+faststart',
      '-f',
      'mp4',
      out,
    ]),
  );
  const mp4Hd = await ensureFile(path(sampleNames.mp4Hd), (out) =>
    runFfmpeg([
      ...testPattern('1280x720', 5),
      ...h264Aac('800k'),
      '-movflags',
      '+faststart',
      '-f',
      'mp4',
      out,
    ]),
  );
  const mp4MoovAtEnd = await ensureFile(path(sampleNames.mp4MoovAtEnd), (out) =>
    runFfmpeg(['-i', mp4Small, '-c', 'copy', '-f', 'mp4', out]),
  );
  const mkvH264 = await ensureFile(path(sampleNames.mkvH264), (out) =>
    runFfmpeg(['-i', mp4Small, '-c', 'copy', '-f', 'matroska', out]),
  );
  const mp4Long = await ensureFile(path(sampleNames.mp4Long), (out) =>
    runFfmpeg([
      ...testPattern('426x240', 60, 15),
      ...h264Aac('120k'),
      '-movflags',
      '+faststart',
      '-f',
      'mp4',
      out,
    ]),
  );
  const webmVp9 = await ensureFile(path(sampleNames.webmVp9), (out) =>
    runFfmpeg([
      ...testPattern('320x180', 5),
      '-c:v',
      'libvpx-vp9',
      '-deadline',
      'realtime',
      '-cpu-used',
      '8',
      '-b:v',
      '200k',
      '-c:a',
      'libopus',
      '-b:a',
      '48k',
      '-shortest',
      '-f',
      'webm',
      out,
    ]),
  );
  const tone = ['-f', 'lavfi', '-i', 'sine=frequency=660:sample_rate=44100:duration=5'];
  const mp3 = await ensureFile(path(sampleNames.mp3), (out) =>
    runFfmpeg([
      ...tone,
      '-c:a',
      'libmp3lame',
      '-b:a',
      '96k',
      '-metadata',
      'title=Sample Tone',
      '-metadata',
      'artist=MediaBot',
      '-f',
      'mp3',
      out,
    ]),
  );
  const m4a = await ensureFile(path(sampleNames.m4a), (out) =>
    runFfmpeg([
      ...tone,
      '-c:a',
      'aac',
      '-b:a',
      '64k',
      '-movflags',
      '+faststart',
      '-f',
      'ipod',
      out,
    ]),
  );
  // A master playlist with two variants, as sites serve HLS: yt-dlp sees heights and bitrates.
  const hlsDir = await ensureFile(path('hls'), async (out) => {
    await mkdir(out);
    const variants = [
      { name: '360p', source: mp4Small, resolution: '640x360', bandwidth: 500_000 },
      { name: '720p', source: mp4Hd, resolution: '1280x720', bandwidth: 950_000 },
    ];
    for (const variant of variants) {
      await mkdir(join(out, variant.name));
      await runFfmpeg([
        '-i',
        variant.source,
        '-c',
        'copy',
        '-f',
        'hls',
        '-hls_time',
        '2',
        '-hls_playlist_type',
        'vod',
        '-hls_segment_filename',
        join(out, variant.name, 'segment-%03d.ts'),
        join(out, variant.name, 'index.m3u8'),
      ]);
    }
    await writeFile(
      join(out, 'master.m3u8'),
      [
        '#EXTM3U',
        '#EXT-X-VERSION:3',
        ...variants.flatMap((v) => [
          `#EXT-X-STREAM-INF:BANDWIDTH=${v.bandwidth},RESOLUTION=${v.resolution},CODECS="avc1.42c01e,mp4a.40.2"`,
          `${v.name}/index.m3u8`,
        ]),
        '',
      ].join('\n'),
    );
  });
  const dashDir = await ensureFile(path('dash'), async (out) => {
    await mkdir(out);
    await runFfmpeg([
      '-i',
      mp4Hd,
      '-i',
      mp4Small,
      '-map',
      '0:v',
      '-map',
      '1:v',
      '-map',
      '0:a',
      '-c',
      'copy',
      '-f',
      'dash',
      '-seg_duration',
      '2',
      '-use_template',
      '1',
      '-use_timeline',
      '0',
      '-adaptation_sets',
      'id=0,streams=v id=1,streams=a',
      join(out, 'manifest.mpd'),
    ]);
  });
  const htmlPage = await ensureFile(path(sampleNames.htmlPage), (out) =>
    writeFile(
      out,
      [
        '<!doctype html>',
        '<html lang="en"><head><meta charset="utf-8"><title>Sample video page</title></head>',
        '<body><h1>Sample video page</h1>',
        `<video src="${sampleNames.mp4Small}" controls width="640" height="360"></video>`,
        '</body></html>',
        '',
      ].join('\n'),
    ),
  );
  return {
    dir,
    mp4Small,
    mp4Hd,
    mp4MoovAtEnd,
    mkvH264,
    mp4Long,
    webmVp9,
    mp3,
    m4a,
    hlsPlaylist: join(hlsDir, 'master.m3u8'),
    dashManifest: join(dashDir, 'manifest.mpd'),
    htmlPage,
  };
}

/**
 * A valid MP4 of at least `minBytes` (and less than one extra second's worth) that Telegram plays
 * as it is — H.264 4:2:0 (near-lossless, not lossless: lossless H.264 is a 4:4:4 profile the
 * transcoder would re-encode and shrink), AAC, moov first — so it stays over an upload limit all
 * the way through the product. Made fast: one second of incompressible noise, looped with stream
 * copy. Named by size, so each size is made once.
 */
export async function ensureOversizeMp4(
  minBytes: number,
  dir = defaultSampleMediaDir(),
): Promise<string> {
  const segment = await ensureFile(join(dir, 'noise-1s-qp1.mp4'), (out) =>
    runFfmpeg([
      '-f',
      'lavfi',
      '-i',
      'color=c=gray:s=640x360:r=25:d=1',
      '-f',
      'lavfi',
      '-i',
      'anullsrc=r=44100:cl=stereo',
      '-vf',
      'noise=alls=100:allf=t+u',
      '-t',
      '1',
      '-c:v',
      'libx264',
      '-preset',
      'ultrafast',
      '-qp',
      '1',
      '-pix_fmt',
      'yuv420p',
      '-c:a',
      'aac',
      '-b:a',
      '64k',
      '-shortest',
      '-f',
      'mp4',
      out,
    ]),
  );
  const { size: segmentBytes } = await stat(segment);
  const copies = Math.max(1, Math.ceil(minBytes / segmentBytes));
  return ensureFile(join(dir, `oversize-${minBytes}-qp1.mp4`), (out) =>
    runFfmpeg([
      '-stream_loop',
      String(copies - 1),
      '-i',
      segment,
      '-c',
      'copy',
      '-movflags',
      '+faststart',
      '-f',
      'mp4',
      out,
    ]),
  );
}

/** Files under `dir`, relative, for index pages and checks. */
export async function listSampleFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile() && !entry.name.startsWith('.'))
    .map((entry) => join(entry.parentPath, entry.name).slice(dir.length + 1))
    .filter(
      (name) => !name.split('/').some((part) => part.startsWith('.') || part.endsWith('.lock')),
    )
    .sort();
}
