import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

const jobDirPrefix = 'job-';
const ownerFile = 'owner.pid';

/**
 * A directory of its own for one job under `root`, named after the job and marked with this
 * process's pid, so a later start-up can tell a crashed run's leftovers from a live neighbour's.
 */
export async function createJobDir(root: string, jobId: string): Promise<string> {
  const dir = join(root, `${jobDirPrefix}${jobId.replace(/[^A-Za-z0-9-]/g, '_')}`);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, ownerFile), String(process.pid));
  return dir;
}

export async function removeJobDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true, maxRetries: 3 });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function ownerOf(dir: string): Promise<number | undefined> {
  const text = await readFile(join(dir, ownerFile), 'utf8').catch(() => '');
  const pid = Number(text.trim());
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/**
 * Processes (yt-dlp, ffmpeg) whose command line names a path inside `dir`. A process killed
 * with SIGKILL cannot stop the tools it started: they are still writing into its directory.
 * Linux only (reads /proc); elsewhere, nothing is found.
 */
export async function processesUsing(dir: string): Promise<number[]> {
  const entries = await readdir('/proc').catch(() => [] as string[]);
  const found: number[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (pid === process.pid) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.split('\0').some((arg) => arg === dir || arg.startsWith(`${dir}/`))) {
      found.push(pid);
    }
  }
  return found;
}

/**
 * At start-up: removes every job directory whose owner is gone (a crashed run), after killing
 * whatever that run's tools still do in it. Directories of a live owner are left alone.
 */
export async function sweepLeftoverJobDirs(
  root: string,
  log: (fields: object, message: string) => void,
): Promise<number> {
  await mkdir(root, { recursive: true });
  let swept = 0;
  for (const name of await readdir(root)) {
    if (!name.startsWith(jobDirPrefix)) continue;
    const dir = join(root, name);
    const owner = await ownerOf(dir);
    if (owner !== undefined && owner !== process.pid && isAlive(owner)) continue;
    const stragglers = await processesUsing(dir);
    for (const pid of stragglers) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    await removeJobDir(dir);
    log({ dir, stragglers: stragglers.length }, 'Removed a crashed run’s work directory');
    swept += 1;
  }
  return swept;
}
