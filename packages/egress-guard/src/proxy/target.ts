import { isIPv4 } from 'node:net';

export interface ForwardTarget {
  readonly hostname: string;
  readonly port: number;
  /** `host[:port]` as WHATWG normalised it, for the Host header. */
  readonly host: string;
  /** The request path and query exactly as the client sent them (signed URLs must survive). */
  readonly path: string;
}

export interface TunnelTarget {
  readonly hostname: string;
  readonly port: number;
}

export type TargetProblem = 'invalid_target' | 'scheme_not_allowed';

const absoluteFormAuthority = /^http:\/\/([^/?#\\\s]+)/i;
const schemePrefix = /^[a-z][a-z0-9+.-]*:/i;
const authorityForm = /^(\[[0-9a-f:.]+\]|[a-z0-9._~%!$&'()*+,;=-]+):(\d{1,5})$/i;
const visibleAscii = /^[\x21-\x7e]+$/;

/** The destination of a proxied request in absolute form: `GET http://host[:port]/path`. */
export function parseForwardTarget(requestTarget: string): ForwardTarget | TargetProblem {
  if (!visibleAscii.test(requestTarget)) return 'invalid_target';
  const match = absoluteFormAuthority.exec(requestTarget);
  if (match === null)
    return schemePrefix.test(requestTarget) ? 'scheme_not_allowed' : 'invalid_target';
  const authority = match[1] ?? '';
  if (authority.includes('@')) return 'invalid_target';
  const url = URL.parse(`http://${authority}/`);
  if (url === null || url.hostname === '' || url.pathname !== '/') return 'invalid_target';
  const rest = requestTarget.slice(match[0].length);
  const path = rest === '' ? '/' : rest.startsWith('?') ? `/${rest}` : rest;
  if (!path.startsWith('/')) return 'invalid_target';
  return { hostname: url.hostname, port: portOf(url), host: url.host, path };
}

/** The destination of a CONNECT request: `host:port` with the port spelled out. */
export function parseTunnelTarget(authority: string): TunnelTarget | TargetProblem {
  if (!authorityForm.test(authority)) return 'invalid_target';
  const url = URL.parse(`http://${authority}/`);
  if (url === null || url.hostname === '' || url.pathname !== '/') return 'invalid_target';
  return { hostname: url.hostname, port: portOf(url) };
}

/** An IP literal from a WHATWG hostname (`[::1]` or a dotted quad), or null for a name. */
export function ipLiteralOf(hostname: string): string | null {
  if (hostname.startsWith('[') && hostname.endsWith(']')) return hostname.slice(1, -1);
  return isIPv4(hostname) ? hostname : null;
}

function portOf(url: URL): number {
  return url.port === '' ? 80 : Number(url.port);
}
