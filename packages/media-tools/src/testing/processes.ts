import { readdir, readFile } from 'node:fs/promises';

/**
 * Live (not zombie) processes whose command line mentions `marker`, e.g. a unique work
 * directory: what a test checks to prove that a stop left no yt-dlp or ffmpeg behind.
 */
export async function liveProcessesMentioning(marker: string): Promise<string[]> {
  const found: string[] = [];
  for (const pid of await readdir('/proc')) {
    if (!/^\d+$/.test(pid) || Number(pid) === process.pid) continue;
    try {
      const [cmdline, status] = await Promise.all([
        readFile(`/proc/${pid}/cmdline`, 'utf8'),
        readFile(`/proc/${pid}/status`, 'utf8'),
      ]);
      const state = /^State:\s+(\S)/m.exec(status)?.[1];
      const command = cmdline.replaceAll('\0', ' ').trim();
      if (state !== 'Z' && command.includes(marker)) found.push(command);
    } catch {
      // The process ended while we looked.
    }
  }
  return found;
}
