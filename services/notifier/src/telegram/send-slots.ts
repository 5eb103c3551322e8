/**
 * A process-wide limit on calls in flight (uploads). The Bot API client holds a slot only while
 * it calls, never while it waits for a chat's budget or a 429's retry_after.
 */
export interface SendSlots {
  /** Resolves with the release function once a slot is free. */
  acquire(signal?: AbortSignal): Promise<() => void>;
}

export function createSendSlots(size: number): SendSlots {
  let free = size;
  const waiting: (() => void)[] = [];
  const release = () => {
    const next = waiting.shift();
    if (next) next();
    else free += 1;
  };
  return {
    acquire(signal) {
      if (signal?.aborted) return Promise.reject(signal.reason as Error);
      if (free > 0) {
        free -= 1;
        return Promise.resolve(once(release));
      }
      return new Promise((resolve, reject) => {
        const grant = () => {
          signal?.removeEventListener('abort', onAbort);
          resolve(once(release));
        };
        const onAbort = () => {
          const index = waiting.indexOf(grant);
          if (index >= 0) waiting.splice(index, 1);
          reject(signal?.reason as Error);
        };
        waiting.push(grant);
        signal?.addEventListener('abort', onAbort, { once: true });
      });
    },
  };
}

function once(release: () => void): () => void {
  let released = false;
  return () => {
    if (released) return;
    released = true;
    release();
  };
}
