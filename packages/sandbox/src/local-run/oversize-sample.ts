import { spawn } from 'node:child_process';
import { rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';

function runFfmpeg(args: readonly string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      'ffmpeg',
      ['-nostdin', '-hide_banner', '-loglevel', 'error', '-y', ...args],
      {
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-4000)));
    child.once('error', reject);
    child.once('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`ffmpeg exited with ${code}: ${stderr.trim()}`)),
    );
  });
}

const exists = (path: string) =>
  stat(path).then(
    () => true,
    () => false,
  );

/**
 * A video over Telegram's upload limit that stays over it: an MP4 the transcoder passes through
 * as it is (H.264 in 4:2:0, not lossless, AAC, moov first), so the bot must answer with a link.
 * (A lossless H.264 clip would be re-encoded, and compressed to fit the limit.) Made fast: one
 * second of noise at a near-lossless quantiser, looped with stream copy. Named by size.
 */
export async function ensureTooBigSample(minBytes: number, dir: string): Promise<string> {
  const target = join(dir, `too-big-${minBytes}.mp4`);
  if (await exists(target)) return target;
  const unique = `${process.pid}-${Date.now()}`;
  const segment = join(dir, `.too-big-segment-${unique}.mp4`);
  const temporary = join(dir, `.too-big-${unique}.mp4`);
  try {
    await runFfmpeg([
      ...['-f', 'lavfi', '-i', 'color=c=gray:s=640x360:r=25:d=1'],
      ...['-f', 'lavfi', '-i', 'sine=frequency=330:sample_rate=44100:duration=1'],
      ...['-vf', 'noise=alls=100:allf=t+u', '-t', '1'],
      ...['-c:v', 'libx264', '-preset', 'ultrafast', '-qp', '1', '-pix_fmt', 'yuv420p'],
      ...['-c:a', 'aac', '-b:a', '64k', '-shortest', '-f', 'mp4', segment],
    ]);
    const { size } = await stat(segment);
    const copies = Math.max(1, Math.ceil(minBytes / size));
    await runFfmpeg([
      ...['-stream_loop', String(copies - 1), '-i', segment],
      ...['-c', 'copy', '-movflags', '+faststart', '-f', 'mp4', temporary],
    ]);
    await rename(temporary, target);
    return target;
  } finally {
    await rm(segment, { force: true });
    await rm(temporary, { force: true });
  }
}
