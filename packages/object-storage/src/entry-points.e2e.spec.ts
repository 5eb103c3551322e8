import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const probe = fileURLToPath(new URL('./fixtures/loads-s3rver.ts', import.meta.url));

async function loadsS3rver(entry: 'main' | 'embedded'): Promise<boolean> {
  const { stdout } = await promisify(execFile)(process.execPath, [probe, entry]);
  return (JSON.parse(stdout) as { s3rver: boolean }).s3rver;
}

// s3rver costs every service that stores objects ~29 MiB of RSS (docs/benchmarks.md §4.4).
describe('@mediabot/object-storage entry points', () => {
  it('leaves the embedded S3 server out of the client entry point the services import', async () => {
    expect(await loadsS3rver('main')).toBe(false);
  });

  it('loads it from the embedded entry point', async () => {
    expect(await loadsS3rver('embedded')).toBe(true);
  });
});
