import { formatCount, formatDuration } from './write.ts';

export interface TextSink {
  write(text: string): unknown;
}

export interface ProgressState {
  /** How far along, in the same unit as total (e.g. a global position). */
  done: number;
  total?: number;
  /** What was processed so far, shown as "N events". */
  count: number;
}

export interface Progress {
  update(state: ProgressState): void;
  /** Shows the final state and ends the line. */
  finish(): void;
}

const barWidth = 24;

/**
 * A progress bar redrawn in place on a terminal; elsewhere (CI logs, files) a plain line now and
 * then, so logs stay readable.
 */
export function createProgress(options: {
  out: TextSink;
  isTTY: boolean;
  now: () => number;
  label: string;
  ttyIntervalMs?: number;
  plainIntervalMs?: number;
}): Progress {
  const { out, isTTY, now, label } = options;
  const interval = isTTY ? (options.ttyIntervalMs ?? 100) : (options.plainIntervalMs ?? 5000);
  const startedAt = now();
  let lastDrawnAt: number | undefined;
  let latest: ProgressState = { done: 0, count: 0 };

  const render = (state: ProgressState): string => {
    const elapsed = now() - startedAt;
    const parts = [label];
    if (state.total !== undefined && state.total > 0) {
      const fraction = Math.min(1, Math.max(0, state.done / state.total));
      const filled = Math.round(fraction * barWidth);
      if (isTTY) parts.push(`[${'█'.repeat(filled)}${'░'.repeat(barWidth - filled)}]`);
      parts.push(`${Math.floor(fraction * 100)}%`);
    }
    parts.push(`${formatCount(state.count)} events`);
    if (state.total !== undefined) parts.push(`of head ${formatCount(state.total)}`);
    if (elapsed > 0) parts.push(`${formatCount(Math.round((state.count * 1000) / elapsed))}/s`);
    if (state.total !== undefined && state.done > 0 && state.done < state.total) {
      parts.push(`ETA ${formatDuration((elapsed * (state.total - state.done)) / state.done)}`);
    }
    return parts.join('  ');
  };

  const draw = (final: boolean) => {
    lastDrawnAt = now();
    const line = render(latest);
    out.write(isTTY ? `\r\x1b[2K${line}${final ? '\n' : ''}` : `${line}\n`);
  };

  return {
    update(state) {
      latest = state;
      // A terminal shows the bar at once; a log gets its first line after one interval.
      const since = lastDrawnAt ?? (isTTY ? -Infinity : startedAt);
      if (now() - since >= interval) draw(false);
    },
    finish() {
      // A short run that never showed a line in a log needs no final one either.
      if (isTTY || lastDrawnAt !== undefined) draw(true);
    },
  };
}
