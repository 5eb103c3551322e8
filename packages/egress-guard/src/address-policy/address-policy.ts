import { BlockList } from 'node:net';
import { EgressError } from '../errors/index.ts';
import { embeddedIpv4, parseIp, type EmbeddingForm, type ParsedIp } from './ip-address.ts';

/** Why an address is not a destination on the public internet. */
export type BlockedRange =
  | 'unspecified'
  | 'loopback'
  | 'private'
  | 'link_local'
  | 'shared_address'
  | 'multicast'
  | 'broadcast'
  | 'reserved'
  | 'documentation'
  | 'benchmarking'
  | 'ietf_protocol'
  | 'not_an_ip';

export type AddressVerdict =
  | { readonly blocked: false; readonly address: string; readonly allowListed: boolean }
  | {
      readonly blocked: true;
      readonly address: string;
      readonly range: BlockedRange;
      /** Set when an IPv6 address was judged by the IPv4 address it embeds. */
      readonly embedded?: { readonly form: EmbeddingForm; readonly ipv4: string };
    };

/** CIDRs that may be reached although the policy blocks them: for tests and local runs only. */
export interface AllowList {
  readonly cidrs: readonly string[];
  readonly blockList: BlockList;
}

// Order matters where ranges nest: the first match names the reason.
const blockedRanges: ReadonlyArray<readonly [BlockedRange, string]> = [
  ['unspecified', '0.0.0.0/8'],
  ['loopback', '127.0.0.0/8'],
  ['private', '10.0.0.0/8'],
  ['private', '172.16.0.0/12'],
  ['private', '192.168.0.0/16'],
  ['link_local', '169.254.0.0/16'], // includes cloud metadata 169.254.169.254
  ['shared_address', '100.64.0.0/10'], // carrier-grade NAT
  ['ietf_protocol', '192.0.0.0/24'],
  ['documentation', '192.0.2.0/24'],
  ['documentation', '198.51.100.0/24'],
  ['documentation', '203.0.113.0/24'],
  ['benchmarking', '198.18.0.0/15'],
  ['reserved', '192.88.99.0/24'], // retired 6to4 relay anycast
  ['multicast', '224.0.0.0/4'],
  ['broadcast', '255.255.255.255/32'],
  ['reserved', '240.0.0.0/4'],

  ['unspecified', '::/128'],
  ['loopback', '::1/128'],
  ['private', 'fc00::/7'], // unique local, includes AWS metadata fd00:ec2::254
  ['link_local', 'fe80::/10'],
  ['reserved', 'fec0::/10'], // retired site-local
  ['multicast', 'ff00::/8'],
  ['documentation', '2001:db8::/32'],
  ['documentation', '3fff::/20'],
  ['benchmarking', '2001:2::/48'],
  ['ietf_protocol', '2001::/23'], // includes Teredo 2001::/32
  ['reserved', '100::/64'], // discard-only
  ['reserved', '64:ff9b:1::/48'], // local-use NAT64
  ['reserved', '5f00::/16'], // SRv6 segment identifiers
];

const blockedRules = blockedRanges.map(([range, cidr]) => ({ range, ...subnetRule(cidr) }));
const ipv6GlobalUnicast = subnetRule('2000::/3');

const emptyAllowList = createAllowList([]);

/**
 * Compiles CIDRs (`127.0.0.1/32`, `::1/128`, or a bare address) into an allow-list.
 * Throws `invalid_allow_list` for anything that is not an address or a prefix length.
 */
export function createAllowList(cidrs: readonly string[]): AllowList {
  const blockList = new BlockList();
  for (const cidr of cidrs) {
    const rule = subnetRule(cidr);
    blockList.addSubnet(rule.network, rule.prefix, rule.type);
  }
  return { cidrs: [...cidrs], blockList };
}

/** True unless `ip` is a public destination or matches the allow-list. Unparseable input is blocked. */
export function isBlockedAddress(
  ip: string,
  allowList: AllowList | readonly string[] = emptyAllowList,
): boolean {
  return checkAddress(ip, allowList).blocked;
}

/** The policy's verdict on one address, naming the range that blocks it. */
export function checkAddress(
  ip: string,
  allowList: AllowList | readonly string[] = emptyAllowList,
): AddressVerdict {
  const parsed = parseIp(ip);
  if (parsed === null) return { blocked: true, address: ip, range: 'not_an_ip' };
  const embedded = parsed.family === 6 ? embeddedIpv4(parsed.hextets) : null;
  if (isAllowListed(parsed, embedded?.ipv4, toAllowList(allowList))) {
    return { blocked: false, address: parsed.text, allowListed: true };
  }
  if (embedded !== null) {
    const range = blockedRangeOf(embedded.ipv4, 'ipv4');
    if (range === null) return { blocked: false, address: parsed.text, allowListed: false };
    return { blocked: true, address: parsed.text, range, embedded };
  }
  const type = parsed.family === 4 ? 'ipv4' : 'ipv6';
  let range = blockedRangeOf(parsed.text, type);
  if (range === null && type === 'ipv6' && !ipv6GlobalUnicast.list.check(parsed.text, 'ipv6')) {
    range = 'reserved';
  }
  return range === null
    ? { blocked: false, address: parsed.text, allowListed: false }
    : { blocked: true, address: parsed.text, range };
}

function blockedRangeOf(text: string, type: 'ipv4' | 'ipv6'): BlockedRange | null {
  for (const rule of blockedRules) {
    if (rule.type === type && rule.list.check(text, type)) return rule.range;
  }
  return null;
}

function isAllowListed(
  parsed: ParsedIp,
  embeddedIpv4Text: string | undefined,
  allowList: AllowList,
): boolean {
  if (allowList.cidrs.length === 0) return false;
  const type = parsed.family === 4 ? 'ipv4' : 'ipv6';
  if (allowList.blockList.check(parsed.text, type)) return true;
  return embeddedIpv4Text !== undefined && allowList.blockList.check(embeddedIpv4Text, 'ipv4');
}

function toAllowList(allowList: AllowList | readonly string[]): AllowList {
  return isCompiled(allowList) ? allowList : createAllowList(allowList);
}

function isCompiled(allowList: AllowList | readonly string[]): allowList is AllowList {
  return !Array.isArray(allowList);
}

function subnetRule(cidr: string): {
  network: string;
  prefix: number;
  type: 'ipv4' | 'ipv6';
  list: BlockList;
} {
  const [address = '', prefixText, ...extra] = cidr.trim().split('/');
  const parsed = parseIp(address);
  const maxPrefix = parsed?.family === 4 ? 32 : 128;
  const prefix = prefixText === undefined ? maxPrefix : Number(prefixText);
  if (
    parsed === null ||
    extra.length > 0 ||
    (prefixText !== undefined && !/^\d{1,3}$/.test(prefixText)) ||
    prefix > maxPrefix
  ) {
    throw new EgressError('invalid_allow_list', `Not an address or CIDR: ${JSON.stringify(cidr)}`, {
      cidr,
    });
  }
  const type = parsed.family === 4 ? 'ipv4' : 'ipv6';
  const list = new BlockList();
  list.addSubnet(parsed.text, prefix, type);
  return { network: parsed.text, prefix, type, list };
}
