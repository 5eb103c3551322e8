import { isAbandoned } from './fetch.decide.ts';

/** One fetch running in this process. */
export interface RunningFetch {
  readonly fetchId: string;
  readonly cacheKey: string;
  readonly queuedAt: Date;
  /** Aborted when the fetch is cancelled (every waiting request went away). */
  readonly signal: AbortSignal;
  /** True once cancel() reached this job: its ending is `cancelled`, not a failure. */
  readonly cancelled: boolean;
}

export interface FetchJobs {
  start(job: { fetchId: string; cacheKey: string; queuedAt: Date }): RunningFetch;
  finish(job: RunningFetch): void;
  /** Cancels every job of the cache key queued at or before `abandonedAt`; returns how many. */
  cancel(cacheKey: string, abandonedAt: Date): number;
  running(): readonly RunningFetch[];
}

/** The fetches this process runs, each with the AbortController that stops its yt-dlp. */
export function createFetchJobs(): FetchJobs {
  const jobs = new Map<
    string,
    { job: RunningFetch; controller: AbortController; state: { cancelled: boolean } }
  >();
  return {
    start({ fetchId, cacheKey, queuedAt }) {
      const controller = new AbortController();
      const state = { cancelled: false };
      const job: RunningFetch = {
        fetchId,
        cacheKey,
        queuedAt,
        signal: controller.signal,
        get cancelled() {
          return state.cancelled;
        },
      };
      jobs.set(fetchId, { job, controller, state });
      return job;
    },
    finish(job) {
      jobs.delete(job.fetchId);
    },
    cancel(cacheKey, abandonedAt) {
      let cancelled = 0;
      for (const { job, controller, state } of jobs.values()) {
        if (job.cacheKey !== cacheKey || !isAbandoned(job.queuedAt, abandonedAt)) continue;
        if (state.cancelled) continue;
        state.cancelled = true;
        controller.abort();
        cancelled += 1;
      }
      return cancelled;
    },
    running: () => [...jobs.values()].map(({ job }) => job),
  };
}
