export const defaultPrefix = 'mediabot';

export interface ConsumerQueueNames {
  /** The consumer's own quorum queue, bound to the event exchange. */
  queue: string;
  /** Where messages that will never succeed end up, with their reason in headers. */
  deadLetterQueue: string;
  /** One TTL wait queue per distinct retry delay; expired messages return to `queue`. */
  retryQueue(delayMs: number): string;
}

export interface TopologyNames {
  /** Topic exchange every event is published to; routing key = event type. */
  eventExchange: string;
  /** Direct exchange dead-lettered messages go through; routing key = the dead-letter queue's name. */
  deadLetterExchange: string;
  consumer(consumer: string, subscription?: string): ConsumerQueueNames;
}

const namePart = /^[a-z0-9][a-z0-9_-]*$/;

function checkPart(kind: string, value: string): string {
  if (!namePart.test(value)) {
    throw new RangeError(`${kind} "${value}" must be lower-case letters, digits, "-" or "_"`);
  }
  return value;
}

export function topologyNames(prefix: string = defaultPrefix): TopologyNames {
  checkPart('Prefix', prefix);
  return {
    eventExchange: `${prefix}.events`,
    deadLetterExchange: `${prefix}.dlx`,
    consumer(consumer, subscription) {
      const base = [
        prefix,
        checkPart('Consumer', consumer),
        ...(subscription === undefined ? [] : [checkPart('Subscription', subscription)]),
      ].join('.');
      return {
        queue: base,
        deadLetterQueue: `${base}.dlq`,
        retryQueue: (delayMs) => {
          if (!Number.isInteger(delayMs) || delayMs <= 0)
            throw new RangeError(`Retry delay ${delayMs} must be a positive integer`);
          return `${base}.retry.${delayMs}`;
        },
      };
    },
  };
}

/** Consumer identity used in the inbox and logs: `downloader` or `downloader.thumbnails`. */
export function consumerIdentity(consumer: string, subscription?: string): string {
  return subscription === undefined ? consumer : `${consumer}.${subscription}`;
}
