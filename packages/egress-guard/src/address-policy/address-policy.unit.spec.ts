import { describe, expect, it } from 'vitest';
import { EgressError } from '../errors/index.ts';
import { checkAddress, createAllowList, isBlockedAddress } from './address-policy.ts';
import { canonicalIp, embeddedIpv4, parseIp } from './ip-address.ts';

describe('isBlockedAddress', () => {
  it.each([
    // IPv4
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['10.0.0.1', 'private'],
    ['10.255.255.255', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['169.254.0.1', 'link_local'],
    ['169.254.169.254', 'link_local'],
    ['100.64.0.1', 'shared_address'],
    ['100.100.100.200', 'shared_address'],
    ['100.127.255.255', 'shared_address'],
    ['192.0.0.1', 'ietf_protocol'],
    ['192.0.2.10', 'documentation'],
    ['198.51.100.7', 'documentation'],
    ['203.0.113.9', 'documentation'],
    ['198.18.0.1', 'benchmarking'],
    ['198.19.255.255', 'benchmarking'],
    ['192.88.99.1', 'reserved'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['240.0.0.1', 'reserved'],
    ['255.255.255.254', 'reserved'],
    ['255.255.255.255', 'broadcast'],
    // IPv6
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['0:0:0:0:0:0:0:1', 'loopback'],
    ['fc00::1', 'private'],
    ['fd00:ec2::254', 'private'],
    ['fe80::1', 'link_local'],
    ['fe80::1%eth0', 'link_local'],
    ['febf::1', 'link_local'],
    ['fec0::1', 'reserved'],
    ['ff02::1', 'multicast'],
    ['2001:db8::1', 'documentation'],
    ['3fff::1', 'documentation'],
    ['2001:2::1', 'benchmarking'],
    ['2001::1', 'ietf_protocol'],
    ['100::1', 'reserved'],
    ['64:ff9b:1::1', 'reserved'],
    ['4000::1', 'reserved'],
    // IPv6 forms that carry an IPv4 address are judged by that address
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:10.1.2.3', 'private'],
    ['::ffff:a9fe:a9fe', 'link_local'],
    ['::ffff:0:7f00:1', 'loopback'],
    ['::127.0.0.1', 'loopback'],
    ['::7f00:1', 'loopback'],
    ['::c0a8:101', 'private'],
    ['64:ff9b::127.0.0.1', 'loopback'],
    ['64:ff9b::a9fe:a9fe', 'link_local'],
    ['64:ff9b::c0a8:1', 'private'],
    ['2002:7f00:1::', 'loopback'],
    ['2002:c0a8:101::1', 'private'],
    ['2002:a9fe:a9fe:1:2:3:4:5', 'link_local'],
    // Not an address at all: refused rather than guessed at
    ['', 'not_an_ip'],
    ['localhost', 'not_an_ip'],
    ['0177.0.0.1', 'not_an_ip'],
    ['2130706433', 'not_an_ip'],
    ['1.2.3.4.5', 'not_an_ip'],
  ])('%s is blocked as %s', (ip, range) => {
    expect(isBlockedAddress(ip, [])).toBe(true);
    expect(checkAddress(ip)).toMatchObject({ blocked: true, range });
  });

  it.each([
    '8.8.8.8',
    '1.1.1.1',
    '93.184.216.34',
    '172.15.255.255',
    '172.32.0.0',
    '100.63.255.255',
    '100.128.0.0',
    '169.253.255.255',
    '192.0.3.1',
    '198.17.255.255',
    '198.20.0.0',
    '223.255.255.255',
    '2606:4700:4700::1111',
    '2a00:1450:4001:80b::200e',
    '::ffff:8.8.8.8',
    '64:ff9b::808:808',
    '2002:808:808::1',
  ])('%s is public', (ip) => {
    expect(isBlockedAddress(ip)).toBe(false);
  });

  it('names the embedding an IPv6 address was judged by', () => {
    expect(checkAddress('64:ff9b::10.0.0.1')).toEqual({
      blocked: true,
      address: '64:ff9b::10.0.0.1',
      range: 'private',
      embedded: { form: 'nat64', ipv4: '10.0.0.1' },
    });
  });

  describe('allow-list', () => {
    const allowList = createAllowList(['127.0.0.1/32', '10.1.0.0/16', 'fd00::1']);

    it.each(['127.0.0.1', '::ffff:127.0.0.1', '::ffff:7f00:1', '10.1.2.3', 'fd00::1'])(
      '%s is allowed by it',
      (ip) => {
        expect(isBlockedAddress(ip, allowList)).toBe(false);
        expect(checkAddress(ip, allowList)).toMatchObject({ blocked: false, allowListed: true });
      },
    );

    it.each(['127.0.0.2', '::1', '10.2.0.1', 'fd00::2', '169.254.169.254'])(
      '%s stays blocked',
      (ip) => {
        expect(isBlockedAddress(ip, allowList)).toBe(true);
      },
    );

    it('accepts plain CIDR strings too', () => {
      expect(isBlockedAddress('127.0.0.1', ['127.0.0.0/8'])).toBe(false);
    });

    it.each(['127.0.0.1/33', 'nonsense', '10.0.0.0/8/8', '::1/129', '10.0.0.0/abc', '10.0.0.0/'])(
      'rejects %s with a typed error',
      (cidr) => {
        expect(() => createAllowList([cidr])).toThrow(EgressError);
        try {
          createAllowList([cidr]);
        } catch (error) {
          expect(error).toMatchObject({ code: 'invalid_allow_list', retryable: false });
        }
      },
    );
  });
});

describe('IPv6 parsing', () => {
  it('expands compressed and dotted forms into eight groups', () => {
    expect(parseIp('::ffff:1.2.3.4')).toMatchObject({
      family: 6,
      hextets: [0, 0, 0, 0, 0, 0xffff, 0x0102, 0x0304],
    });
    expect(parseIp('1::')).toMatchObject({ hextets: [1, 0, 0, 0, 0, 0, 0, 0] });
    expect(parseIp('[2001:db8::1]')).toMatchObject({ family: 6, text: '2001:db8::1' });
  });

  it('does not read :: and ::1 as IPv4-compatible', () => {
    expect(embeddedIpv4([0, 0, 0, 0, 0, 0, 0, 0])).toBeNull();
    expect(embeddedIpv4([0, 0, 0, 0, 0, 0, 0, 1])).toBeNull();
    expect(embeddedIpv4([0, 0, 0, 0, 0, 0, 0, 2])).toEqual({
      form: 'ipv4_compatible',
      ipv4: '0.0.0.2',
    });
  });

  it('spells one endpoint one way', () => {
    expect(canonicalIp('::ffff:127.0.0.1')).toBe('127.0.0.1');
    expect(canonicalIp('0:0::1')).toBe(canonicalIp('::1'));
  });
});
