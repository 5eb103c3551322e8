import type { RecordedEnvelope } from '@mediabot/contracts';

/**
 * One event as an NDJSON record (export, `--json`): the envelope as stored, with its original
 * global position and stream version as strings so no reader loses bigint precision.
 */
export function toEventRecord(event: RecordedEnvelope): Record<string, unknown> {
  return {
    globalPosition: event.globalPosition.toString(),
    streamId: event.streamId,
    streamVersion: event.streamVersion.toString(),
    eventId: event.eventId,
    type: event.type,
    version: event.version,
    occurredAt: event.occurredAt,
    correlationId: event.correlationId,
    causationId: event.causationId,
    actor: event.actor,
    traceContext: event.traceContext,
    data: event.data,
  };
}

export function toNdjsonLine(event: RecordedEnvelope): string {
  return JSON.stringify(toEventRecord(event));
}

/** uuidv7 ids start with a timestamp, so their random tail is what tells them apart. */
export function shortId(id: string): string {
  return id.replace(/-/g, '').slice(-8);
}

export function summariseData(data: unknown, maxLength = 120): string {
  const text =
    data !== null && typeof data === 'object' && !Array.isArray(data)
      ? Object.entries(data)
          .map(([key, value]) => `${key}=${JSON.stringify(value) ?? 'undefined'}`)
          .join(' ')
      : (JSON.stringify(data) ?? 'undefined');
  return text.length > maxLength ? `${text.slice(0, maxLength - 1)}…` : text;
}

/** `#42  2026-01-01T12:00:00.000Z  identity.user-registered v2  user-7@1  corr 9f3a1c0e  telegramUserId=7 …` */
export function formatEventLine(event: RecordedEnvelope): string {
  return [
    `#${event.globalPosition.toString()}`,
    event.occurredAt,
    `${event.type} v${event.version}`,
    `${event.streamId}@${event.streamVersion.toString()}`,
    `corr ${shortId(event.correlationId)}`,
    summariseData(event.data),
  ].join('  ');
}
