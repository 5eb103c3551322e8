export { createJobDir, removeJobDir, sweepLeftoverJobDirs } from './work-dirs/work-dirs.ts';
export {
  appendAtEnd,
  appendDecided,
  dataOf,
  occurredAtMs,
  type DecidedAppend,
} from './event-log/event-log.ts';
export { createProgressReporter, type ProgressReporter } from './progress/progress-reporter.ts';
export { errorDetailOf, mediaJobErrorOf, type DownloadErrorData } from './job-errors/job-errors.ts';
