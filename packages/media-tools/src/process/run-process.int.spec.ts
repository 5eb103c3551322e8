import { getPriority } from 'node:os';
import { describe, expect, it } from 'vitest';
import { liveProcessesMentioning } from '../testing/processes.ts';
import { probeMedia } from '../yt-dlp/probe-media.ts';
import { defaultToolNiceness, runProcess } from './run-process.ts';

/** The niceness the tool and a child it starts later report (`nice` prints its own). */
async function nicenessSeen(niceness?: number): Promise<string[]> {
  const outcome = await runProcess({
    command: 'sh',
    // The pause makes sure the priority was set before the tool starts its child.
    args: ['-c', 'sleep 0.2; nice; sh -c nice'],
    timeoutMs: 10_000,
    collectStdout: true,
    niceness,
  }).done;
  return outcome.stdout.trim().split('\n');
}

describe('runProcess', () => {
  it('runs tools, and what they start, below normal priority', async () => {
    const own = getPriority();
    const atDefault = String(Math.max(defaultToolNiceness, own));
    expect(await nicenessSeen()).toEqual([atDefault, atDefault]);
    const atFifteen = String(Math.max(15, own));
    expect(await nicenessSeen(15)).toEqual([atFifteen, atFifteen]);
    // Never below our own priority (an unprivileged process may not lower niceness).
    expect(await nicenessSeen(0)).toEqual([String(own), String(own)]);
  });

  it('stopping kills the whole process group, grandchildren included', async () => {
    // A unique sleep length marks the background child (as yt-dlp starts ffmpeg). It is passed
    // as "$1" so that only the sleep's own command line reads "sleep <seconds>".
    const seconds = (300 + Math.random()).toFixed(6);
    const grandchild = `sleep ${seconds}`;
    const run = runProcess({
      command: 'sh',
      args: ['-c', 'sleep "$1" & sleep 301', 'sh', seconds],
      timeoutMs: 60_000,
    });
    let aliveBeforeStop: string[] = [];
    for (let attempt = 0; attempt < 200 && aliveBeforeStop.length === 0; attempt += 1) {
      aliveBeforeStop = await liveProcessesMentioning(grandchild);
    }
    run.stop('aborted');
    const outcome = await run.done;
    expect(aliveBeforeStop).toHaveLength(1);
    expect(outcome).toMatchObject({ stopReason: 'aborted', exitSignal: 'SIGKILL' });
    expect(await liveProcessesMentioning(grandchild)).toEqual([]);
  });

  it('reports a timeout, an abort signal, a full stdout and the stderr tail', async () => {
    const timedOut = await runProcess({ command: 'sleep', args: ['30'], timeoutMs: 50 }).done;
    expect(timedOut.stopReason).toBe('timeout');

    const aborted = await runProcess({
      command: 'sleep',
      args: ['30'],
      timeoutMs: 60_000,
      signal: AbortSignal.abort(),
    }).done;
    expect(aborted.stopReason).toBe('aborted');

    const chatty = await runProcess({
      command: 'sh',
      args: ['-c', 'echo out; echo err >&2; exit 3'],
      timeoutMs: 60_000,
      collectStdout: true,
    }).done;
    expect(chatty).toMatchObject({
      exitCode: 3,
      stdout: 'out\n',
      stderrTail: 'err\n',
      stopReason: undefined,
    });

    const flood = await runProcess({
      command: 'sh',
      args: ['-c', 'yes | head -c 100000'],
      timeoutMs: 60_000,
      collectStdout: true,
      maxStdoutBytes: 1000,
    }).done;
    expect(flood.stopReason).toBe('too_large');
  });

  it('turns a missing binary into a retryable internal error', async () => {
    await expect(
      probeMedia('http://127.0.0.1:9/x.mp4', { ytDlpPath: '/nonexistent/yt-dlp' }),
    ).rejects.toMatchObject({
      code: 'internal',
      retryable: true,
      message: 'The yt-dlp tool could not be started.',
    });
  });
});
