import { describe, expect, it } from 'vitest';
import { descendantsOf, parseStat, type ProcessInfo } from './process-table.ts';

describe('parseStat', () => {
  it('reads pid, parent, group and name, even when the name holds spaces and parentheses', () => {
    expect(parseStat('4242 (node (worker) 1) S 4200 4100 4100 0 -1 4194560 100')).toEqual({
      pid: 4242,
      ppid: 4200,
      pgid: 4100,
      name: 'node (worker) 1',
      zombie: false,
    });
    expect(parseStat('7 (ffmpeg) Z 1 7 7')?.zombie).toBe(true);
    expect(parseStat('garbage')).toBeUndefined();
  });
});

describe('descendantsOf', () => {
  const info = (pid: number, ppid: number): ProcessInfo => ({
    pid,
    ppid,
    pgid: pid,
    name: `p${pid}`,
    commandLine: '',
    zombie: false,
  });

  it('walks children, grandchildren and further, and nothing else', () => {
    const table = [info(1, 0), info(10, 1), info(11, 10), info(12, 10), info(13, 12), info(20, 1)];
    expect(
      descendantsOf(10, table)
        .map((p) => p.pid)
        .sort(),
    ).toEqual([11, 12, 13]);
    expect(descendantsOf(13, table)).toEqual([]);
  });
});
