import { defineConfig } from 'vitest/config';
import SummaryLineReporter from './scripts/vitest-summary-reporter.ts';

// Test kinds are told apart by file suffix so each can run alone:
//   *.unit.spec.ts  pure logic, no I/O
//   *.int.spec.ts   real PostgreSQL / RabbitMQ / Redis (one database and namespace per file)
//   *.e2e.spec.ts   whole processes
export default defineConfig({
  test: {
    // The default output, then one plain `tests: N passed, M failed, K skipped` line.
    reporters: ['default', new SummaryLineReporter()],
    projects: [
      {
        test: { name: 'unit', include: ['{packages,services,bench,scripts}/**/*.unit.spec.ts'] },
      },
      {
        test: {
          name: 'int',
          include: ['{packages,services}/**/*.int.spec.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['{packages,services}/**/*.e2e.spec.ts'],
          testTimeout: 180_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
