import { z } from 'zod';
import { MediaError } from '../errors/media-error.ts';
import type { ProcessOutcome } from '../process/run-process.ts';
import { classifyYtDlpFailure } from './classify-failure.ts';

export interface YtDlpConnection {
  /** Path or name of the yt-dlp binary (default `yt-dlp`). */
  ytDlpPath?: string | undefined;
  /** Every request goes through this proxy (`http://host:port`) when set. */
  proxy?: string | undefined;
  /** Per-socket inactivity timeout handed to yt-dlp (default 20 s). */
  socketTimeoutSeconds?: number | undefined;
  /** Scheduling niceness of yt-dlp and the ffmpeg it starts (default 10, see runProcess). */
  niceness?: number | undefined;
}

const mediaUrlSchema = z
  .string()
  .max(2048)
  .pipe(z.url({ protocol: /^https?$/ }));

/** Only http(s) URLs of sane length ever reach yt-dlp. */
export function parseMediaUrl(url: string): string {
  const parsed = mediaUrlSchema.safeParse(url);
  if (!parsed.success) {
    throw new MediaError('unsupported_site', {
      message: 'This is not a valid http(s) link.',
      details: { reason: 'invalid_url' },
    });
  }
  return parsed.data;
}

export function baseYtDlpArgs(connection: YtDlpConnection): string[] {
  return [
    '--ignore-config',
    '--no-cache-dir',
    '--no-colors',
    '--no-playlist',
    '--socket-timeout',
    String(connection.socketTimeoutSeconds ?? 20),
    ...(connection.proxy === undefined ? [] : ['--proxy', connection.proxy]),
  ];
}

export function ytDlpEnvironment(): NodeJS.ProcessEnv {
  return { ...process.env, PYTHONUNBUFFERED: '1', PYTHONIOENCODING: 'utf-8', LC_ALL: 'C.UTF-8' };
}

/** The MediaError for a run that did not succeed, or undefined when it exited cleanly. */
export function failureOf(outcome: ProcessOutcome, tool: string): MediaError | undefined {
  if (outcome.stopReason === 'aborted') return new MediaError('cancelled');
  if (outcome.stopReason === 'timeout') return new MediaError('timed_out');
  if (outcome.stopReason === 'too_large') return new MediaError('too_large');
  if (outcome.spawnError !== undefined) {
    return new MediaError('internal', {
      message: `The ${tool} tool could not be started.`,
      retryable: true,
      cause: outcome.spawnError,
    });
  }
  if (outcome.exitCode !== 0) return classifyYtDlpFailure(outcome.stderrTail, outcome.exitCode);
  return undefined;
}
