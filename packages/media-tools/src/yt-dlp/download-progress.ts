import { z } from 'zod';

export const progressLinePrefix = 'MBPROGRESS ';
/** yt-dlp prints one JSON object per progress tick, behind our prefix. */
export const progressTemplate = `download:${progressLinePrefix}%(progress)j`;

const ytDlpProgressSchema = z.object({
  status: z.string(),
  downloaded_bytes: z.number().nullish(),
  total_bytes: z.number().nullish(),
  total_bytes_estimate: z.number().nullish(),
  speed: z.number().nullish(),
  eta: z.number().nullish(),
  filename: z.string().nullish(),
  fragment_index: z.number().nullish(),
  fragment_count: z.number().nullish(),
});
export type YtDlpProgress = z.infer<typeof ytDlpProgressSchema>;

/** One progress tick, or undefined when the line is not ours or does not parse. */
export function parseProgressLine(line: string): YtDlpProgress | undefined {
  if (!line.startsWith(progressLinePrefix)) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(line.slice(progressLinePrefix.length));
  } catch {
    return undefined;
  }
  const parsed = ytDlpProgressSchema.safeParse(json);
  return parsed.success ? parsed.data : undefined;
}

export interface DownloadProgress {
  status: 'downloading' | 'finished' | 'error';
  /** Bytes downloaded so far over every file of this download (video and audio parts). */
  downloadedBytes: number;
  /** Expected total of the current file; `totalIsEstimate` when the site only guessed. */
  totalBytes: number | null;
  totalIsEstimate: boolean;
  /** Share of the current file done, 0–100, null when the total is unknown. */
  percent: number | null;
  speedBytesPerSecond: number | null;
  etaSeconds: number | null;
  /** Which file of this download is being fetched (1 for video, 2 for its audio, …). */
  fileNumber: number;
  /** Exact bytes announced by the site for every file seen so far (for the size limit). */
  announcedBytes: number;
}

/**
 * Folds yt-dlp's per-file ticks into one running picture. yt-dlp fetches a merged format's
 * video and audio one after the other, each with its own counters.
 */
export function createProgressTracker(): (tick: YtDlpProgress) => DownloadProgress {
  const downloadedByFile = new Map<string, number>();
  const announcedByFile = new Map<string, number>();
  return (tick) => {
    const file = tick.filename ?? '';
    if (tick.downloaded_bytes != null) downloadedByFile.set(file, tick.downloaded_bytes);
    else if (!downloadedByFile.has(file)) downloadedByFile.set(file, 0);
    if (tick.total_bytes != null) announcedByFile.set(file, tick.total_bytes);

    const totalBytes = tick.total_bytes ?? tick.total_bytes_estimate ?? null;
    const fileDownloaded = downloadedByFile.get(file) ?? 0;
    const status =
      tick.status === 'finished' || tick.status === 'error' ? tick.status : 'downloading';
    const percent =
      status === 'finished'
        ? 100
        : totalBytes != null && totalBytes > 0
          ? Math.min(100, (fileDownloaded / totalBytes) * 100)
          : null;
    return {
      status,
      downloadedBytes: [...downloadedByFile.values()].reduce((a, b) => a + b, 0),
      totalBytes,
      totalIsEstimate: tick.total_bytes == null && tick.total_bytes_estimate != null,
      percent,
      speedBytesPerSecond: tick.speed ?? null,
      etaSeconds: tick.eta ?? null,
      fileNumber: [...downloadedByFile.keys()].indexOf(file) + 1,
      announcedBytes: [...announcedByFile.values()].reduce((a, b) => a + b, 0),
    };
  };
}
