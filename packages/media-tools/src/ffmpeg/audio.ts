import { assertAbsolute, type FfmpegRunOptions, runFfmpeg } from './run-ffmpeg.ts';

export interface ExtractAudioRequest extends FfmpegRunOptions {
  input: string;
  /** The MP3 to write. */
  output: string;
  title?: string | undefined;
  artist?: string | undefined;
  /** Constant bitrate of the MP3 (default 192 kbit/s). */
  bitrateKbps?: number | undefined;
  /** For progress percentages. */
  durationSeconds?: number | null | undefined;
}

/** ID3 text from untrusted titles: no control characters, bounded length. */
export function sanitiseTag(value: string): string {
  return value
    .replace(/[\u0000-\u001f\u007f]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 200);
}

/** Extracts the first audio stream to an MP3 with ID3v2.3 title/artist tags. */
export async function extractAudioMp3(request: ExtractAudioRequest): Promise<{ path: string }> {
  assertAbsolute(request.input, request.output);
  const tags: string[] = [];
  if (request.title !== undefined && sanitiseTag(request.title) !== '') {
    tags.push('-metadata', `title=${sanitiseTag(request.title)}`);
  }
  if (request.artist !== undefined && sanitiseTag(request.artist) !== '') {
    tags.push('-metadata', `artist=${sanitiseTag(request.artist)}`);
  }
  await runFfmpeg(
    ['-i', request.input],
    [
      '-map',
      '0:a:0',
      '-vn',
      '-map_metadata',
      '-1',
      '-c:a',
      'libmp3lame',
      '-b:a',
      `${request.bitrateKbps ?? 192}k`,
      '-id3v2_version',
      '3',
      ...tags,
      '-f',
      'mp3',
    ],
    request.output,
    request.durationSeconds ?? null,
    request,
  );
  return { path: request.output };
}
