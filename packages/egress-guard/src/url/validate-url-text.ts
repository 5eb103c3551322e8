import { isIPv4 } from 'node:net';
import { z } from 'zod';
import { checkAddress, type AllowList, type BlockedRange } from '../address-policy/index.ts';
import { EgressError } from '../errors/index.ts';

export const maxUrlLength = 2048;
export const defaultAllowedPorts: readonly number[] = [80, 443];

export interface ValidateUrlOptions {
  /** CIDRs whose addresses may appear as URL hosts: tests and local runs only. */
  readonly allowList?: AllowList | readonly string[];
  /** Ports allowed besides 80 and 443. */
  readonly allowedPorts?: readonly number[];
}

/** Why a host name is refused without resolving it. */
export type BlockedNameReason = 'localhost_name' | 'single_label_name' | 'special_use_name';

// Names that resolve to this machine through /etc/hosts on common distributions.
const localhostNames = new Set([
  'localhost',
  'localhost.localdomain',
  'ip6-localhost',
  'ip6-loopback',
]);
// Special-use and private-use top-level names that never lead to a public site.
const specialUseSuffixes = [
  'local',
  'localdomain',
  'internal',
  'home.arpa',
  'test',
  'invalid',
  'example',
  'onion',
];

/**
 * Accepts only an absolute http(s) URL of at most 2,048 characters, without credentials, whose
 * host is neither a blocked address in any spelling nor a local-only name. Returns the WHATWG
 * normalised URL: hand `url.href` onwards (never the raw text), so that every later parser sees
 * the spelling that was checked.
 *
 * This is a text check only; the egress proxy still checks every resolved address.
 */
export function validateUrlText(raw: unknown, options: ValidateUrlOptions = {}): URL {
  const parsedText = z.string().safeParse(raw);
  if (!parsedText.success) throw new EgressError('invalid_url', 'The URL must be text.');
  const text = parsedText.data.trim();
  if (text.length > maxUrlLength) {
    throw new EgressError('url_too_long', `The URL is longer than ${maxUrlLength} characters.`, {
      length: text.length,
    });
  }
  // WHATWG silently drops tabs and newlines inside a URL; a URL carrying any is not plain text.
  if (text === '' || /[\u0000-\u0020\u007f]/.test(text)) {
    throw new EgressError(
      'invalid_url',
      'The URL is empty or contains spaces or control characters.',
    );
  }
  const url = URL.parse(text);
  if (url === null) throw new EgressError('invalid_url', 'The text is not an absolute URL.');
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new EgressError('scheme_not_allowed', 'Only http and https URLs are allowed.', {
      scheme: url.protocol.replace(/:$/, ''),
    });
  }
  if (url.href.length > maxUrlLength) {
    throw new EgressError('url_too_long', `The URL is longer than ${maxUrlLength} characters.`, {
      length: url.href.length,
    });
  }
  if (url.username !== '' || url.password !== '') {
    throw new EgressError(
      'credentials_not_allowed',
      'URLs with a user name or password are not allowed.',
    );
  }
  if (url.hostname === '') throw new EgressError('missing_host', 'The URL has no host.');
  if (url.port !== '') {
    const port = Number(url.port);
    if (!defaultAllowedPorts.includes(port) && !(options.allowedPorts ?? []).includes(port)) {
      throw new EgressError('port_not_allowed', `Port ${port} is not allowed.`, { port });
    }
  }
  const blocked = blockedHostReason(url.hostname, options.allowList ?? []);
  if (blocked !== null) {
    throw new EgressError('blocked_address', `The host ${url.hostname} is not a public address.`, {
      host: url.hostname,
      reason: blocked,
    });
  }
  return url;
}

/**
 * Why a WHATWG-normalised hostname must not be reached, or null. WHATWG has already turned
 * decimal, hex, octal and short IPv4 spellings into dotted quads and compressed IPv6 literals.
 */
export function blockedHostReason(
  hostname: string,
  allowList: AllowList | readonly string[] = [],
): BlockedRange | BlockedNameReason | null {
  const host = hostname.toLowerCase();
  if (host.startsWith('[') || isIPv4(host)) {
    const verdict = checkAddress(host.replace(/^\[(.*)\]$/, '$1'), allowList);
    return verdict.blocked ? verdict.range : null;
  }
  const name = host.replace(/\.+$/, '');
  if (name === '') return 'single_label_name';
  if (localhostNames.has(name) || name.endsWith('.localhost')) return 'localhost_name';
  if (!name.includes('.')) return 'single_label_name';
  if (specialUseSuffixes.some((suffix) => name.endsWith(`.${suffix}`))) return 'special_use_name';
  return null;
}
