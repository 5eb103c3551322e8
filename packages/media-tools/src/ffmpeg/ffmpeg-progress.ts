export interface TranscodeProgress {
  /** Seconds of output written so far. */
  outTimeSeconds: number;
  /** 0–100 when the input duration is known, else null. */
  percent: number | null;
  /** Encoding speed relative to real time (2 = twice real time), when ffmpeg reports it. */
  speed: number | null;
  totalSizeBytes: number | null;
  done: boolean;
}

/**
 * Reads ffmpeg's `-progress pipe:1` output: blocks of key=value lines, each closed by
 * `progress=continue` or `progress=end`. Returns a line handler that calls `onProgress` per block.
 */
export function createFfmpegProgressParser(
  durationSeconds: number | null,
  onProgress: (progress: TranscodeProgress) => void,
): (line: string) => void {
  let block = new Map<string, string>();
  return (line) => {
    const separator = line.indexOf('=');
    if (separator <= 0) return;
    const key = line.slice(0, separator).trim();
    const value = line.slice(separator + 1).trim();
    if (key !== 'progress') {
      block.set(key, value);
      return;
    }
    // out_time_us is microseconds; out_time_ms is too (a long-standing ffmpeg misnomer).
    const outTimeMicros = Number(block.get('out_time_us') ?? block.get('out_time_ms'));
    const outTimeSeconds =
      Number.isFinite(outTimeMicros) && outTimeMicros > 0 ? outTimeMicros / 1e6 : 0;
    const speed = Number.parseFloat(block.get('speed') ?? '');
    const totalSize = Number(block.get('total_size'));
    const done = value === 'end';
    const percent =
      durationSeconds != null && durationSeconds > 0
        ? done
          ? 100
          : Math.min(100, (outTimeSeconds / durationSeconds) * 100)
        : done
          ? 100
          : null;
    onProgress({
      outTimeSeconds,
      percent,
      speed: Number.isFinite(speed) ? speed : null,
      totalSizeBytes: Number.isFinite(totalSize) ? totalSize : null,
      done,
    });
    block = new Map();
  };
}
