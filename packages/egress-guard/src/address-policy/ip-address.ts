import { isIPv4, isIPv6 } from 'node:net';

export type ParsedIp =
  | { readonly family: 4; readonly text: string }
  | { readonly family: 6; readonly text: string; readonly hextets: readonly number[] };

/** How an IPv6 address carries an IPv4 address inside it. */
export type EmbeddingForm =
  'ipv4_mapped' | 'ipv4_translated' | 'ipv4_compatible' | 'nat64' | '6to4';

/**
 * Parses an address as a socket API or a DNS answer writes it: strict dotted-quad IPv4 or IPv6
 * without brackets. A zone index (`fe80::1%eth0`) is dropped. Anything else is null, so callers
 * can refuse what they cannot classify.
 */
export function parseIp(raw: string): ParsedIp | null {
  const text = (raw.trim().toLowerCase().split('%')[0] ?? '').replace(/^\[(.*)\]$/, '$1');
  if (isIPv4(text)) return { family: 4, text };
  if (!isIPv6(text)) return null;
  const hextets = ipv6Hextets(text);
  return hextets === null ? null : { family: 6, text, hextets };
}

/** The IPv4 address an IPv6 address stands for (mapped, translated, compatible, NAT64, 6to4). */
export function embeddedIpv4(
  hextets: readonly number[],
): { form: EmbeddingForm; ipv4: string } | null {
  const at = (index: number): number => hextets[index] ?? 0;
  const zeroUpTo = (end: number): boolean => hextets.slice(0, end).every((group) => group === 0);
  const lastTwo = ipv4FromHextets(at(6), at(7));

  if (zeroUpTo(5) && at(5) === 0xffff) return { form: 'ipv4_mapped', ipv4: lastTwo };
  if (zeroUpTo(4) && at(4) === 0xffff && at(5) === 0) {
    return { form: 'ipv4_translated', ipv4: lastTwo };
  }
  // `::` and `::1` are IPv6's own unspecified and loopback addresses, not IPv4-compatible ones.
  if (zeroUpTo(6) && (at(6) !== 0 || at(7) > 1)) return { form: 'ipv4_compatible', ipv4: lastTwo };
  if (at(0) === 0x64 && at(1) === 0xff9b && hextets.slice(2, 6).every((group) => group === 0)) {
    return { form: 'nat64', ipv4: lastTwo };
  }
  if (at(0) === 0x2002) return { form: '6to4', ipv4: ipv4FromHextets(at(1), at(2)) };
  return null;
}

function ipv4FromHextets(high: number, low: number): string {
  return `${high >> 8}.${high & 0xff}.${low >> 8}.${low & 0xff}`;
}

/** Eight 16-bit groups of an address that `net.isIPv6` accepted. */
function ipv6Hextets(text: string): number[] | null {
  let body = text;
  const lastColon = body.lastIndexOf(':');
  const lastGroup = body.slice(lastColon + 1);
  if (lastGroup.includes('.')) {
    if (!isIPv4(lastGroup)) return null;
    const [a = 0, b = 0, c = 0, d = 0] = lastGroup.split('.').map(Number);
    body = `${body.slice(0, lastColon + 1)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const halves = body.split('::');
  if (halves.length > 2) return null;
  const groupsOf = (part: string | undefined): string[] =>
    part === undefined || part === '' ? [] : part.split(':');
  const head = groupsOf(halves[0]);
  const tail = groupsOf(halves[1]);
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  const groups = [...head, ...Array<string>(halves.length === 1 ? 0 : missing).fill('0'), ...tail];
  const hextets = groups.map((group) =>
    /^[0-9a-f]{1,4}$/.test(group) ? parseInt(group, 16) : NaN,
  );
  return hextets.some(Number.isNaN) ? null : hextets;
}

/**
 * One spelling per address, so two spellings of the same endpoint compare equal: IPv4 as a
 * dotted quad (also when IPv6 embeds it), other IPv6 as eight uncompressed hex groups.
 */
export function canonicalIp(raw: string): string {
  const parsed = parseIp(raw);
  if (parsed === null) return raw;
  if (parsed.family === 4) return parsed.text;
  return (
    embeddedIpv4(parsed.hextets)?.ipv4 ??
    parsed.hextets.map((group) => group.toString(16)).join(':')
  );
}
