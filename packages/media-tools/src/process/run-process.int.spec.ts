import { describe, expect, it } from 'vitest';
import { liveProcessesMentioning } from '../testing/processes.ts';
import { probeMedia } from '../yt-dlp/probe-media.ts';
import { runProcess } from './run-process.ts';

describe('runProcess', () => {
  it('stopping kills the whole process group, grandchildren included', async () => {
    // A unique sleep length marks the background child (as yt-dlp starts ffmpeg).
    const grandchild = `sleep ${(300 + Math.random()).toFixed(6)}`;
    let aliveBeforeStop: string[] = [];
    const run = runProcess({
      command: 'sh',
      args: ['-c', `${grandchild} & echo ready; sleep 301`],
      timeoutMs: 60_000,
      onStdoutLine: (line) => {
        if (line !== 'ready') return;
        void liveProcessesMentioning(grandchild).then((found) => {
          aliveBeforeStop = found;
          run.stop('aborted');
        });
      },
    });
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
