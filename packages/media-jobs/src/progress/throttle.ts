/**
 * Lets a report through when at least `intervalMs` passed since the last one let through
 * (the first always passes). Users see a bar move; the log does not fill with ticks.
 */
export function createThrottle(intervalMs: number): (nowMs: number) => boolean {
  let last: number | undefined;
  return (nowMs) => {
    if (last !== undefined && nowMs - last < intervalMs) return false;
    last = nowMs;
    return true;
  };
}
