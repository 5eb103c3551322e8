import { randomBytes } from 'node:crypto';

/** Lower-case, SQL- and URL-safe name unique enough for one test file. */
export function uniqueTestName(prefix = 'mediabot_t_'): string {
  return prefix + randomBytes(6).toString('hex');
}
