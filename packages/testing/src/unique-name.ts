import { randomBytes } from 'node:crypto';

const prefix = 'mediabot_t_';
/** Anything a test run left behind that is older than this is surely abandoned. */
const abandonedAfterMs = 6 * 60 * 60_000;

/**
 * Lower-case, SQL- and URL-safe name unique enough for one test file. It carries its creation
 * time so that what a crashed run left behind can be swept later without touching live runs.
 */
export function uniqueTestName(now: number = Date.now()): string {
  return `${prefix}${now.toString(36)}_${randomBytes(4).toString('hex')}`;
}

export function isAbandonedTestName(name: string, now: number = Date.now()): boolean {
  const match = /^mediabot_t_([0-9a-z]+)_[0-9a-f]+$/.exec(name);
  if (match === null) return false;
  const createdAt = parseInt(match[1]!, 36);
  return Number.isFinite(createdAt) && now - createdAt > abandonedAfterMs;
}
