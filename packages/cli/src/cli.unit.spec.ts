import { describe, expect, it } from 'vitest';
import { runCli } from './cli.ts';
import { testContext } from './testing/test-context.ts';

async function cli(argv: string[]) {
  const run = testContext();
  const status = await runCli(argv, run.context);
  return { status, stdout: run.stdout.text(), stderr: run.stderr.text() };
}

describe('mediabot command line', () => {
  it('prints help listing every command', async () => {
    const help = await cli(['--help']);
    expect(help.status).toBe(0);
    for (const name of ['tail', 'stream', 'export', 'import', 'rebuild', 'projections']) {
      expect(help.stdout).toMatch(new RegExp(`^  ${name} +\\S`, 'm'));
    }
    expect(await cli([])).toMatchObject({ status: 2, stdout: '' });
  });

  it('prints help for each command', async () => {
    const help = await cli(['export', '--help']);
    expect(help).toMatchObject({ status: 0, stderr: '' });
    expect(help.stdout).toMatch(/^Usage: mediabot export --out FILE\|-/);
    expect((await cli(['rebuild', '-h'])).stdout).toMatch(/^Usage: mediabot rebuild <service>/);
  });

  it('rejects unknown commands, unknown flags and bad values with status 2', async () => {
    expect(await cli(['replay'])).toEqual({
      status: 2,
      stdout: '',
      stderr: 'mediabot: Unknown command "replay".\nRun `mediabot --help` for usage.\n',
    });
    expect(await cli(['tail', '--follow'])).toEqual({
      status: 2,
      stdout: '',
      stderr: "mediabot: Unknown option '--follow'.\nRun `mediabot tail --help` for usage.\n",
    });
    expect((await cli(['--database-url', 'x', 'tail'])).stderr).toContain(
      'Options go after the command',
    );
    expect((await cli(['tail', '--from-position', '-3'])).status).toBe(2);
    expect((await cli(['tail', '--from-position', 'abc'])).stderr).toContain(
      '--from-position takes a global position (a whole number), not "abc"',
    );
    expect((await cli(['stream'])).stderr).toContain('Missing argument.');
    expect((await cli(['stream', 'a', 'b'])).stderr).toContain('Unexpected argument "b".');
    expect((await cli(['export'])).stderr).toContain('--out FILE (or - for stdout) is required.');
  });
});
