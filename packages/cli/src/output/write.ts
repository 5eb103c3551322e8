import { once } from 'node:events';
import type { Writable } from 'node:stream';

/** Writes and waits for 'drain' when the stream asks to: a slow reader slows us down. */
export async function writeText(out: Writable, text: string): Promise<void> {
  if (out.write(text)) return;
  await once(out, 'drain');
}

export function writeLine(out: Writable, line: string): Promise<void> {
  return writeText(out, `${line}\n`);
}

const numberFormat = new Intl.NumberFormat('en-US');

export function formatCount(value: number | bigint): string {
  return numberFormat.format(value);
}

export function formatDuration(milliseconds: number): string {
  const seconds = Math.max(0, Math.round(milliseconds / 1000));
  if (milliseconds < 10_000) return `${(milliseconds / 1000).toFixed(1)}s`;
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  const mm = h > 0 ? String(m).padStart(2, '0') : String(m);
  return `${h > 0 ? `${h}:` : ''}${mm}:${String(s).padStart(2, '0')}`;
}
