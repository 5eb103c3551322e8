/** One Server-Sent Event: its name and its JSON data. */
export interface StreamEvent {
  event: string;
  data: unknown;
}

export interface EventStreamClient {
  /** Every event so far, oldest first. */
  readonly events: readonly StreamEvent[];
  /** The first event (already received or still to come) named `event` whose data matches. */
  waitFor<T = unknown>(
    event: string,
    predicate?: (data: T) => boolean,
    timeoutMs?: number,
  ): Promise<T>;
  close(): void;
}

/** Reads a text/event-stream with fetch, as the sandbox page's EventSource does. */
export async function openEventStream(url: string): Promise<EventStreamClient> {
  const controller = new AbortController();
  const response = await fetch(url, {
    signal: controller.signal,
    headers: { accept: 'text/event-stream' },
  });
  if (!response.ok || !response.body) throw new Error(`${url} answered ${response.status}`);
  const events: StreamEvent[] = [];
  const listeners = new Set<() => void>();
  let ended = false;

  void (async () => {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let boundary = buffer.indexOf('\n\n');
        while (boundary >= 0) {
          const block = buffer.slice(0, boundary);
          buffer = buffer.slice(boundary + 2);
          boundary = buffer.indexOf('\n\n');
          let name = 'message';
          const data: string[] = [];
          for (const line of block.split('\n')) {
            if (line.startsWith('event: ')) name = line.slice(7);
            else if (line.startsWith('data: ')) data.push(line.slice(6));
          }
          if (data.length === 0) continue; // a comment (keep-alive)
          events.push({ event: name, data: JSON.parse(data.join('\n')) as unknown });
          for (const listener of [...listeners]) listener();
        }
      }
    } catch {
      // closed by us
    } finally {
      ended = true;
      for (const listener of [...listeners]) listener();
    }
  })();

  return {
    events,
    waitFor<T>(event: string, predicate: (data: T) => boolean = () => true, timeoutMs = 10_000) {
      return new Promise<T>((resolve, reject) => {
        let checked = 0;
        const finish = (outcome: () => void) => {
          clearTimeout(timer);
          listeners.delete(check);
          outcome();
        };
        const check = () => {
          for (; checked < events.length; checked++) {
            const candidate = events[checked]!;
            if (candidate.event === event && predicate(candidate.data as T)) {
              finish(() => resolve(candidate.data as T));
              return;
            }
          }
          if (ended) finish(() => reject(new Error(`the stream ended before a "${event}" event`)));
        };
        const timer = setTimeout(
          () =>
            finish(() =>
              reject(
                new Error(
                  `no matching "${event}" event within ${timeoutMs} ms; got: ${JSON.stringify(events.slice(-10))}`,
                ),
              ),
            ),
          timeoutMs,
        );
        listeners.add(check);
        check();
      });
    },
    close: () => controller.abort(),
  };
}
