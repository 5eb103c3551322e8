import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { planTranscode, probeFile } from '@mediabot/media-tools';
import { ensureTooBigSample } from './oversize-sample.ts';

let dir: string | undefined;

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('ensureTooBigSample', () => {
  it('makes an MP4 over the size that the transcoder passes through untouched, once', async () => {
    dir = await mkdtemp(join(tmpdir(), 'mediabot-too-big-'));
    const minBytes = 3 * 1024 * 1024;
    const path = await ensureTooBigSample(minBytes, dir);
    const { size, mtimeMs } = await stat(path);
    expect(size).toBeGreaterThanOrEqual(minBytes);

    // Re-encoding would compress it under the limit, and the bot would send a file, not a link.
    const probe = await probeFile(path);
    expect(planTranscode(probe)).toMatchObject({ action: 'pass-through' });

    expect(await ensureTooBigSample(minBytes, dir)).toBe(path);
    expect((await stat(path)).mtimeMs).toBe(mtimeMs);
  });
});
