import { rename, rm } from 'node:fs/promises';
import { dirname, basename, join, isAbsolute } from 'node:path';
import { MediaError, summariseStderr } from '../errors/media-error.ts';
import { type ProcessOutcome, runProcess } from '../process/run-process.ts';
import { createFfmpegProgressParser, type TranscodeProgress } from './ffmpeg-progress.ts';

export interface FfmpegRunOptions {
  ffmpegPath?: string | undefined;
  /** Whole-run limit (default 10 minutes). */
  timeoutMs?: number | undefined;
  signal?: AbortSignal | undefined;
  onProgress?: ((progress: TranscodeProgress) => void) | undefined;
  /** Scheduling niceness of ffmpeg (default 10, see runProcess). */
  niceness?: number | undefined;
}

const unreadableInput =
  /invalid data found|moov atom not found|could not find codec parameters|does not contain any stream|no such file|invalid argument|error while decoding|end of file/i;

export function failureOfTool(outcome: ProcessOutcome, tool: string): MediaError | undefined {
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
  if (outcome.exitCode === 0) return undefined;
  const details = { tool, exitCode: outcome.exitCode, stderr: summariseStderr(outcome.stderrTail) };
  if (unreadableInput.test(outcome.stderrTail)) return new MediaError('invalid_media', { details });
  return new MediaError('internal', { details });
}

export function assertAbsolute(...paths: string[]): void {
  for (const path of paths) {
    // Relative paths could be read by ffmpeg as protocols or options ("-i", "concat:…").
    if (!isAbsolute(path)) {
      throw new MediaError('internal', { message: 'Media paths must be absolute.' });
    }
  }
}

/**
 * Runs ffmpeg writing to a temporary name beside `output`, renamed into place only on
 * success, so a cancelled or failed run never leaves a half-written file behind.
 */
export async function runFfmpeg(
  inputArgs: readonly string[],
  outputArgs: readonly string[],
  output: string,
  durationSeconds: number | null,
  options: FfmpegRunOptions,
): Promise<void> {
  const partial = join(dirname(output), `.partial-${basename(output)}`);
  const onProgress = options.onProgress;
  const run = runProcess({
    command: options.ffmpegPath ?? 'ffmpeg',
    args: [
      '-nostdin',
      '-hide_banner',
      '-loglevel',
      'error',
      '-nostats',
      '-progress',
      'pipe:1',
      '-y',
      ...inputArgs,
      ...outputArgs,
      partial,
    ],
    timeoutMs: options.timeoutMs ?? 10 * 60_000,
    signal: options.signal,
    niceness: options.niceness,
    onStdoutLine:
      onProgress === undefined
        ? undefined
        : createFfmpegProgressParser(durationSeconds, onProgress),
  });
  const outcome = await run.done;
  const failure = failureOfTool(outcome, 'ffmpeg');
  if (failure !== undefined) {
    await rm(partial, { force: true });
    throw failure;
  }
  try {
    await rename(partial, output);
  } catch (error) {
    throw new MediaError('invalid_media', {
      message: 'The conversion produced no output.',
      cause: error,
      details: { reason: 'no_output' },
    });
  }
}
