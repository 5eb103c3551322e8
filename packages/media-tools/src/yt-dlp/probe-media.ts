import { MediaError } from '../errors/media-error.ts';
import { runProcess } from '../process/run-process.ts';
import {
  baseYtDlpArgs,
  failureOf,
  parseMediaUrl,
  type YtDlpConnection,
  ytDlpEnvironment,
} from './common.ts';
import { type MediaInfo, toMediaInfo } from './media-info.ts';
import { ytDlpInfoSchema } from './yt-dlp-info.ts';

export interface ProbeOptions extends YtDlpConnection {
  /** Whole-run limit (default 60 s). */
  timeoutMs?: number | undefined;
  signal?: AbortSignal | undefined;
}

/** Parses `yt-dlp -J` output. Exported for tests on captured fixtures. */
export function parseProbeOutput(stdout: string): MediaInfo {
  let json: unknown;
  try {
    json = JSON.parse(stdout);
  } catch (error) {
    throw new MediaError('internal', {
      message: 'The media description could not be read.',
      cause: error,
      details: { reason: 'invalid_json' },
    });
  }
  const parsed = ytDlpInfoSchema.safeParse(json);
  if (!parsed.success) {
    throw new MediaError('internal', {
      message: 'The media description could not be read.',
      details: { reason: 'unexpected_shape', issues: parsed.error.issues.slice(0, 5) },
    });
  }
  return toMediaInfo(parsed.data);
}

/** Asks yt-dlp what is behind a URL, without downloading it. Throws MediaError. */
export async function probeMedia(url: string, options: ProbeOptions = {}): Promise<MediaInfo> {
  const mediaUrl = parseMediaUrl(url);
  const run = runProcess({
    command: options.ytDlpPath ?? 'yt-dlp',
    args: ['-J', ...baseYtDlpArgs(options), '--', mediaUrl],
    timeoutMs: options.timeoutMs ?? 60_000,
    signal: options.signal,
    env: ytDlpEnvironment(),
    collectStdout: true,
    niceness: options.niceness,
  });
  const outcome = await run.done;
  const failure = failureOf(outcome, 'yt-dlp');
  if (failure !== undefined) {
    // Our stdout cap is the only way to get too_large here: a reply that big is not normal.
    if (failure.code === 'too_large') throw new MediaError('internal', { cause: failure });
    throw failure;
  }
  return parseProbeOutput(outcome.stdout);
}
