import { describe, expect, it } from 'vitest';
import { countTests, summaryLine } from './vitest-summary-reporter.ts';

const test = (state: 'pass' | 'fail' | undefined, mode: 'run' | 'skip' | 'todo' = 'run') => ({
  type: 'test' as const,
  mode,
  result: state === undefined ? undefined : { state },
});
const suite = (...tasks: ReturnType<typeof test>[]) => ({
  type: 'suite' as const,
  mode: 'run' as const,
  tasks,
});

describe('summary line reporter', () => {
  it('counts tests in nested suites the way vitest does', () => {
    const counts = countTests([
      suite(test('pass'), test('fail'), test(undefined, 'skip')),
      suite(test('pass'), test(undefined, 'todo'), test(undefined)),
    ]);
    expect(counts).toEqual({ passed: 2, failed: 1, skipped: 2 });
  });

  it('prints the stable line', () => {
    expect(summaryLine({ passed: 12, failed: 0, skipped: 1 })).toBe(
      'tests: 12 passed, 0 failed, 1 skipped',
    );
  });
});
