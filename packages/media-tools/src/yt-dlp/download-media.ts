import { mkdir, mkdtemp, readdir, realpath, rm, stat } from 'node:fs/promises';
import { isAbsolute, join, sep } from 'node:path';
import { MediaError } from '../errors/media-error.ts';
import { runProcess } from '../process/run-process.ts';
import {
  baseYtDlpArgs,
  failureOf,
  parseMediaUrl,
  type YtDlpConnection,
  ytDlpEnvironment,
} from './common.ts';
import {
  createProgressTracker,
  type DownloadProgress,
  parseProgressLine,
  progressTemplate,
} from './download-progress.ts';

export interface DownloadRequest extends YtDlpConnection {
  url: string;
  /** A yt-dlp `-f` expression, normally a QualityOption's formatSelector. */
  formatSelector: string;
  /** Downloads go into a fresh directory created inside this one. */
  workDir: string;
  /** Hard limit on bytes on disk and on the wire; exceeding it fails with too_large. */
  maxBytes: number;
  timeoutMs: number;
  signal?: AbortSignal | undefined;
  onProgress?: ((progress: DownloadProgress) => void) | undefined;
  /** How often the files on disk are measured (default 250 ms). */
  diskCheckIntervalMs?: number | undefined;
}

export interface DownloadedMedia {
  /** The final file, inside `directory`. */
  filePath: string;
  sizeBytes: number;
  /** The directory made for this download: the caller removes it when done with the file. */
  directory: string;
}

const filePrintPrefix = 'MBFILE ';
const formatSelectorPattern = /^[\w+/[\]<>=?!*.:,^$~ -]{1,500}$/;

function parseFormatSelector(selector: string): string {
  if (!formatSelectorPattern.test(selector) || selector.startsWith('-')) {
    throw new MediaError('internal', {
      message: 'The requested format is not valid.',
      details: { reason: 'invalid_format_selector' },
    });
  }
  return selector;
}

function parsePrintedPath(json: string): string | undefined {
  try {
    const path: unknown = JSON.parse(json);
    return typeof path === 'string' ? path : undefined;
  } catch {
    return undefined;
  }
}

async function largestFileBytes(directory: string): Promise<number> {
  let largest = 0;
  let names: string[];
  try {
    names = await readdir(directory);
  } catch {
    return 0;
  }
  for (const name of names) {
    try {
      const info = await stat(join(directory, name));
      if (info.isFile() && info.size > largest) largest = info.size;
    } catch {
      // A part file renamed or removed between readdir and stat.
    }
  }
  return largest;
}

async function insideDirectory(directory: string, candidate: string): Promise<string | undefined> {
  try {
    const [realDirectory, realFile] = await Promise.all([realpath(directory), realpath(candidate)]);
    return realFile.startsWith(realDirectory + sep) ? realFile : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Downloads one media with yt-dlp into a fresh directory under `workDir`. The size limit is
 * enforced here (announced sizes, progress and the files on disk), not trusted to yt-dlp.
 * Cancelling, timing out or exceeding the limit kills yt-dlp and its ffmpeg and removes the
 * directory. Throws MediaError.
 */
export async function downloadMedia(request: DownloadRequest): Promise<DownloadedMedia> {
  const url = parseMediaUrl(request.url);
  const formatSelector = parseFormatSelector(request.formatSelector);
  if (!isAbsolute(request.workDir)) {
    throw new MediaError('internal', { message: 'The work directory must be an absolute path.' });
  }
  if (request.signal?.aborted) throw new MediaError('cancelled');
  await mkdir(request.workDir, { recursive: true });
  const directory = await mkdtemp(join(request.workDir, 'download-'));

  try {
    const printedFiles: string[] = [];
    const track = createProgressTracker();
    const run = runProcess({
      command: request.ytDlpPath ?? 'yt-dlp',
      args: [
        ...baseYtDlpArgs(request),
        '--newline',
        '--progress',
        '--progress-template',
        progressTemplate,
        '--print',
        `after_move:${filePrintPrefix}%(filepath)j`,
        '--no-simulate',
        '-f',
        formatSelector,
        '--merge-output-format',
        'mp4',
        '-P',
        directory,
        '-o',
        'media.%(ext)s',
        '--restrict-filenames',
        '--no-mtime',
        '--retries',
        '3',
        '--fragment-retries',
        '3',
        '--',
        url,
      ],
      timeoutMs: request.timeoutMs,
      signal: request.signal,
      niceness: request.niceness,
      env: ytDlpEnvironment(),
      onStdoutLine: (line) => {
        if (line.startsWith(filePrintPrefix)) {
          const path = parsePrintedPath(line.slice(filePrintPrefix.length));
          if (path !== undefined) printedFiles.push(path);
          return;
        }
        const tick = parseProgressLine(line);
        if (tick === undefined) return;
        const progress = track(tick);
        if (
          progress.downloadedBytes > request.maxBytes ||
          progress.announcedBytes > request.maxBytes
        ) {
          run.stop('too_large');
          return;
        }
        request.onProgress?.(progress);
      },
    });

    let checkingDisk = false;
    const diskWatch = setInterval(() => {
      if (checkingDisk) return;
      checkingDisk = true;
      void largestFileBytes(directory)
        .then((bytes) => {
          if (bytes > request.maxBytes) run.stop('too_large');
        })
        .finally(() => {
          checkingDisk = false;
        });
    }, request.diskCheckIntervalMs ?? 250);

    const outcome = await run.done.finally(() => clearInterval(diskWatch));
    const failure = failureOf(outcome, 'yt-dlp');
    if (failure !== undefined) throw failure;

    const printed = printedFiles.at(-1);
    const filePath = printed === undefined ? undefined : await insideDirectory(directory, printed);
    if (filePath === undefined) {
      throw new MediaError('internal', {
        message: 'The download finished without a file.',
        details: { reason: printed === undefined ? 'no_file_reported' : 'file_outside_work_dir' },
      });
    }
    const { size } = await stat(filePath);
    if (size > request.maxBytes)
      throw new MediaError('too_large', { details: { sizeBytes: size } });
    return { filePath, sizeBytes: size, directory };
  } catch (error) {
    await rm(directory, { recursive: true, force: true });
    throw error;
  }
}
