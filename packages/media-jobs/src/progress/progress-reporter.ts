import { FetchProgressed, type Envelope } from '@mediabot/contracts';
import type { EventStore } from '@mediabot/eventstore';
import type { z } from 'zod';
import { appendAtEnd } from '../event-log/event-log.ts';
import { createThrottle } from './throttle.ts';

type ProgressData = z.output<typeof FetchProgressed.schema>;

export interface ProgressReporter {
  /** Appends when the interval has passed and no earlier report is still being written. */
  report(data: ProgressData): void;
  /** Appends regardless of the interval (a change of stage). */
  reportNow(data: ProgressData): void;
  /** Resolves when the report being written (if any) is done. */
  flush(): Promise<void>;
}

/**
 * download.fetch-progressed to a cache stream at most every `intervalMs`. Progress is news, not
 * state: a report that cannot be written is logged and dropped, never fails the job.
 */
export function createProgressReporter(options: {
  store: EventStore;
  streamId: string;
  cause: Pick<Envelope, 'eventId' | 'correlationId' | 'traceContext'>;
  actor: { kind: 'service'; id: string };
  intervalMs: number;
  now: () => Date;
  onError: (error: unknown) => void;
}): ProgressReporter {
  const passes = createThrottle(options.intervalMs);
  let writing: Promise<void> | undefined;

  const write = (data: ProgressData): void => {
    const event = FetchProgressed.create(data, {
      streamId: options.streamId,
      actor: options.actor,
      causedBy: options.cause,
      occurredAt: options.now(),
    });
    writing = appendAtEnd(options.store, options.streamId, [event])
      .catch(options.onError)
      .finally(() => {
        writing = undefined;
      });
  };

  return {
    report(data) {
      if (writing !== undefined || !passes(options.now().getTime())) return;
      write(data);
    },
    reportNow(data) {
      if (writing !== undefined) return;
      passes(options.now().getTime());
      write(data);
    },
    flush: () => writing ?? Promise.resolve(),
  };
}
