import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';

// Headers that describe one connection, not the message: a proxy must not pass them on.
const hopByHopHeaders = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

function connectionOptions(value: string | readonly string[] | undefined): Set<string> {
  const values = value === undefined ? [] : typeof value === 'string' ? [value] : value;
  return new Set(
    values.flatMap((entry) => entry.split(',')).map((token) => token.trim().toLowerCase()),
  );
}

/** Request headers to send upstream: hop-by-hop ones removed, Host set, our Via appended. */
export function upstreamRequestHeaders(
  headers: IncomingHttpHeaders,
  host: string,
  via: string,
): OutgoingHttpHeaders {
  const dropped = connectionOptions(headers.connection);
  const result: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || name === 'host' || name === 'via') continue;
    if (hopByHopHeaders.has(name) || dropped.has(name)) continue;
    result[name] = value;
  }
  result.host = host;
  result.via = headers.via === undefined ? via : `${headers.via}, ${via}`;
  return result;
}

/** Response headers to send back as a flat `[name, value, ...]` list, duplicates kept. */
export function downstreamResponseHeaders(rawHeaders: readonly string[]): string[] {
  const dropped = new Set<string>();
  for (let index = 0; index + 1 < rawHeaders.length; index += 2) {
    if (rawHeaders[index]?.toLowerCase() === 'connection') {
      for (const token of connectionOptions(rawHeaders[index + 1])) dropped.add(token);
    }
  }
  const result: string[] = [];
  for (let index = 0; index + 1 < rawHeaders.length; index += 2) {
    const name = rawHeaders[index] ?? '';
    const lower = name.toLowerCase();
    if (hopByHopHeaders.has(lower) || dropped.has(lower)) continue;
    result.push(name, rawHeaders[index + 1] ?? '');
  }
  return result;
}
