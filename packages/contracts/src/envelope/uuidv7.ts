import { createHash, randomBytes } from 'node:crypto';

let lastTimestamp = 0;
let sequence = 0;

/**
 * RFC 9562 UUIDv7: 48-bit Unix milliseconds, then a 12-bit counter (monotonic within one
 * millisecond in this process), then random bits. Ids sort by creation time, which keeps the
 * event store's unique index on event_id append-friendly.
 */
export function uuidv7(now: number = Date.now()): string {
  if (now <= lastTimestamp) {
    sequence = (sequence + 1) & 0xfff;
    if (sequence === 0) lastTimestamp += 1;
    now = lastTimestamp;
  } else {
    lastTimestamp = now;
    sequence = randomBytes(2).readUInt16BE(0) & 0x3ff;
  }
  const bytes = randomBytes(16);
  bytes.writeUIntBE(now, 0, 6);
  bytes[6] = 0x70 | (sequence >> 8);
  bytes[7] = sequence & 0xff;
  bytes[8] = 0x80 | ((bytes[8] ?? 0) & 0x3f);
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export function uuidv7Timestamp(id: string): number {
  return parseInt(id.replace(/-/g, '').slice(0, 12), 16);
}

/**
 * A UUIDv7 whose random bits come from a hash of `name`: the same cause always yields the same
 * id. Producers that may run twice for one input (a redelivered message, a repeated Telegram
 * update) use it so the event store recognises the second append as already done.
 */
export function deterministicUuidv7(name: string, timestampMs: number): string {
  const bytes = createHash('sha256').update(name).digest().subarray(0, 16);
  bytes.writeUIntBE(Math.max(0, Math.floor(timestampMs)), 0, 6);
  bytes[6] = 0x70 | ((bytes[6] ?? 0) & 0x0f);
  bytes[8] = 0x80 | ((bytes[8] ?? 0) & 0x3f);
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
