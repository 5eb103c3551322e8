import { readdir, readFile } from 'node:fs/promises';

// The Linux process table, read from /proc: to find what a local run started (services, and the
// yt-dlp and ffmpeg they spawn in their own process groups) and make sure none outlives it.

export interface ProcessInfo {
  pid: number;
  ppid: number;
  pgid: number;
  /** The executable's short name (comm). */
  name: string;
  /** The full command line, space-joined. */
  commandLine: string;
  /** Zombies have exited and wait for their parent to reap them. */
  zombie: boolean;
}

/** Parses /proc/<pid>/stat: "pid (comm) state ppid pgrp …"; comm may hold spaces and parens. */
export function parseStat(text: string): Omit<ProcessInfo, 'commandLine'> | undefined {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  const pid = Number(text.slice(0, open).trim());
  const [state, ppid, pgid] = text
    .slice(close + 1)
    .trim()
    .split(/\s+/);
  if (!Number.isInteger(pid) || ppid === undefined || pgid === undefined) return undefined;
  return {
    pid,
    ppid: Number(ppid),
    pgid: Number(pgid),
    name: text.slice(open + 1, close),
    zombie: state === 'Z' || state === 'X',
  };
}

async function readProcess(pid: number): Promise<ProcessInfo | undefined> {
  try {
    const stat = parseStat(await readFile(`/proc/${pid}/stat`, 'utf8'));
    if (!stat) return undefined;
    const commandLine = (await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => ''))
      .split('\0')
      .filter(Boolean)
      .join(' ');
    return { ...stat, commandLine };
  } catch {
    return undefined; // it exited while we looked
  }
}

export async function listProcesses(): Promise<ProcessInfo[]> {
  const entries = await readdir('/proc');
  const pids = entries.filter((entry) => /^\d+$/.test(entry)).map(Number);
  const processes = await Promise.all(pids.map((pid) => readProcess(pid)));
  return processes.filter((info): info is ProcessInfo => info !== undefined);
}

/** Every process below `rootPid` (children, their children…), by parent links. */
export function descendantsOf(rootPid: number, table: readonly ProcessInfo[]): ProcessInfo[] {
  const byParent = new Map<number, ProcessInfo[]>();
  for (const info of table) {
    const siblings = byParent.get(info.ppid) ?? [];
    siblings.push(info);
    byParent.set(info.ppid, siblings);
  }
  const found: ProcessInfo[] = [];
  const queue = [rootPid];
  while (queue.length > 0) {
    const parent = queue.shift()!;
    for (const child of byParent.get(parent) ?? []) {
      found.push(child);
      queue.push(child.pid);
    }
  }
  return found;
}

/**
 * Processes whose environment holds `name=value`. Children inherit the environment, so a marker
 * set for a run finds everything it started, even orphans adopted by init after their parent died.
 */
export async function processesWithEnvironment(
  name: string,
  value: string,
  table?: readonly ProcessInfo[],
): Promise<ProcessInfo[]> {
  const needle = `${name}=${value}`;
  const candidates = table ?? (await listProcesses());
  const matches = await Promise.all(
    candidates.map(async (info) => {
      if (info.pid === process.pid) return undefined;
      const environment = await readFile(`/proc/${info.pid}/environ`, 'utf8').catch(() => '');
      return environment.split('\0').includes(needle) ? info : undefined;
    }),
  );
  return matches.filter((info): info is ProcessInfo => info !== undefined && !info.zombie);
}
