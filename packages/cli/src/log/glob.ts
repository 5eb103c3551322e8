/** `*` matches any run of characters (dots included), `?` one character; the rest is literal. */
export function globMatcher(pattern: string): (value: string) => boolean {
  const source = [...pattern]
    .map((char) =>
      char === '*' ? '.*' : char === '?' ? '.' : char.replace(/[.+^${}()|[\]\\]/g, '\\$&'),
    )
    .join('');
  const regex = new RegExp(`^${source}$`);
  return (value) => regex.test(value);
}

export interface EventFilter {
  type?: string;
  stream?: string;
}

export function eventMatcher(
  filter: EventFilter,
): (event: { type: string; streamId: string }) => boolean {
  const typeMatches = filter.type === undefined ? () => true : globMatcher(filter.type);
  const streamMatches = filter.stream === undefined ? () => true : globMatcher(filter.stream);
  return (event) => typeMatches(event.type) && streamMatches(event.streamId);
}
