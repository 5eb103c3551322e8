import type { RunnerTask, RunnerTestFile } from 'vitest';
import type { Reporter, Vitest } from 'vitest/node';

export interface TestCounts {
  passed: number;
  failed: number;
  skipped: number;
}

type CountableTask = Pick<RunnerTask, 'type' | 'mode'> & {
  result?: { state?: string } | undefined;
  tasks?: CountableTask[];
};

/** Counts as vitest's own summary does: by result state, skipped and todo tests by mode. */
export function countTests(tasks: Iterable<CountableTask>): TestCounts {
  const counts: TestCounts = { passed: 0, failed: 0, skipped: 0 };
  const visit = (task: CountableTask) => {
    if (task.type === 'test') {
      if (task.result?.state === 'pass') counts.passed += 1;
      else if (task.result?.state === 'fail') counts.failed += 1;
      else if (task.mode === 'skip' || task.mode === 'todo') counts.skipped += 1;
    }
    for (const child of task.tasks ?? []) visit(child);
  };
  for (const task of tasks) visit(task);
  return counts;
}

/** The one line CI scripts and people grep for; keep its shape stable. */
export function summaryLine(counts: TestCounts): string {
  return `tests: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`;
}

/**
 * Ends a run with `tests: N passed, M failed, K skipped` alone on a line. It hooks onFinished
 * (not onTestRunEnd) because that is where the default reporter prints its summary, and
 * reporters get it in order, so this line comes last.
 */
export default class SummaryLineReporter implements Reporter {
  #vitest: Vitest | undefined;

  onInit(vitest: Vitest): void {
    this.#vitest = vitest;
  }

  onFinished(files: RunnerTestFile[] = [], errors: unknown[] = []): void {
    const log = (line: string) =>
      this.#vitest ? this.#vitest.logger.log(line) : console.log(line);
    // A file that fails to load has no tests to count; say so rather than let "0 failed" mislead.
    const brokenFiles = files.filter((file) => (file.result?.errors?.length ?? 0) > 0).length;
    if (brokenFiles > 0) log(`test files that failed outside any test: ${brokenFiles}`);
    if (errors.length > 0) log(`unhandled errors: ${errors.length}`);
    log(summaryLine(countTests(files)));
  }
}
