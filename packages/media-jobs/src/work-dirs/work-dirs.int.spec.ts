import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createJobDir, processesUsing, removeJobDir, sweepLeftoverJobDirs } from './work-dirs.ts';

// Real directories and real processes: the sweep reads owner pids and /proc command lines.

let scratch: string;
let root: string;
const children: ChildProcess[] = [];

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'mediabot-media-jobs-'));
});
beforeEach(async () => {
  root = await mkdtemp(join(scratch, 'root-'));
});
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

async function startProcess(command: string, args: string[]): Promise<ChildProcess> {
  const child = spawn(command, args, { stdio: 'ignore' });
  children.push(child);
  await once(child, 'spawn');
  return child;
}

/** The pid of a process that has already exited. */
async function exitedPid(): Promise<number> {
  const child = await startProcess('true', []);
  if (child.exitCode === null && child.signalCode === null) await once(child, 'exit');
  return child.pid!;
}

async function leftoverDir(name: string, owner: number | undefined): Promise<string> {
  const dir = join(root, name);
  await mkdir(dir, { recursive: true });
  if (owner !== undefined) await writeFile(join(dir, 'owner.pid'), String(owner));
  await writeFile(join(dir, 'partial.bin'), 'half a download');
  return dir;
}

function collectingLog() {
  const lines: { fields: object; message: string }[] = [];
  return { lines, log: (fields: object, message: string) => lines.push({ fields, message }) };
}

describe('createJobDir', () => {
  it('creates a directory named after the job, marked with this process', async () => {
    const dir = await createJobDir(root, '0190f3a2-7c1e-7abc-9def-0123456789ab');

    expect(dir).toBe(join(root, 'job-0190f3a2-7c1e-7abc-9def-0123456789ab'));
    expect(await readFile(join(dir, 'owner.pid'), 'utf8')).toBe(String(process.pid));
  });

  it('keeps the name inside the root whatever the job id holds', async () => {
    const dir = await createJobDir(root, '../x/y z');

    expect(dir).toBe(join(root, 'job-___x_y_z'));
  });

  it('starts a repeated job from an empty directory', async () => {
    const first = await createJobDir(root, 'repeat');
    await writeFile(join(first, 'partial.bin'), 'from the first attempt');

    const second = await createJobDir(root, 'repeat');

    expect(second).toBe(first);
    expect(await readdir(second)).toEqual(['owner.pid']);
  });
});

describe('removeJobDir', () => {
  it('removes the directory and what is in it, and accepts one already gone', async () => {
    const dir = await createJobDir(root, 'done');
    await writeFile(join(dir, 'media.mp4'), 'bytes');

    await removeJobDir(dir);
    await removeJobDir(dir);

    expect(await readdir(root)).toEqual([]);
  });
});

describe('processesUsing', () => {
  it('finds a process whose command line names a path inside the directory', async () => {
    const dir = await createJobDir(root, 'busy');
    await writeFile(join(dir, 'growing.part'), '');
    const tool = await startProcess('tail', ['-f', join(dir, 'growing.part')]);
    const neighbour = await createJobDir(root, 'busy-neighbour');

    expect(await processesUsing(dir)).toEqual([tool.pid]);
    expect(await processesUsing(neighbour)).toEqual([]);
  });
});

describe('sweepLeftoverJobDirs', () => {
  it('creates the root when it does not exist yet', async () => {
    const missing = join(root, 'not-yet');

    expect(await sweepLeftoverJobDirs(missing, collectingLog().log)).toBe(0);
    expect(await readdir(missing)).toEqual([]);
  });

  it('removes the directories of a crashed run and of no known owner, and logs each', async () => {
    const crashed = await leftoverDir('job-crashed', await exitedPid());
    const unmarked = await leftoverDir('job-unmarked', undefined);
    const { lines, log } = collectingLog();

    expect(await sweepLeftoverJobDirs(root, log)).toBe(2);

    expect(await readdir(root)).toEqual([]);
    expect(lines).toHaveLength(2);
    expect(lines.map((line) => line.fields)).toEqual(
      expect.arrayContaining([
        { dir: crashed, stragglers: 0 },
        { dir: unmarked, stragglers: 0 },
      ]),
    );
  });

  it('treats a directory marked with its own pid as a previous run’s (a restarted container reuses pids)', async () => {
    await leftoverDir('job-same-pid', process.pid);

    expect(await sweepLeftoverJobDirs(root, collectingLog().log)).toBe(1);
    expect(await readdir(root)).toEqual([]);
  });

  it('leaves alone the directories of a live owner and anything that is not a job directory', async () => {
    const liveOwner = await startProcess('sleep', ['60']);
    await leftoverDir('job-live', liveOwner.pid);
    await leftoverDir('cache', await exitedPid());

    expect(await sweepLeftoverJobDirs(root, collectingLog().log)).toBe(0);
    expect((await readdir(root)).sort()).toEqual(['cache', 'job-live']);
  });

  it('kills the tools a crashed run left writing into its directory before removing it', async () => {
    const dir = await leftoverDir('job-straggler', await exitedPid());
    await writeFile(join(dir, 'growing.part'), '');
    const straggler = await startProcess('tail', ['-f', join(dir, 'growing.part')]);
    const exited = once(straggler, 'exit');
    const { lines, log } = collectingLog();

    expect(await sweepLeftoverJobDirs(root, log)).toBe(1);

    expect(await exited).toEqual([null, 'SIGKILL']);
    expect(lines).toEqual([
      { fields: { dir, stragglers: 1 }, message: 'Removed a crashed run’s work directory' },
    ]);
    expect(await readdir(root)).toEqual([]);
  });
});
