import { describe, expect, it } from 'vitest';
import { EgressError } from '../errors/index.ts';
import { validateUrlText, type ValidateUrlOptions } from './validate-url-text.ts';

function refusal(raw: unknown, options?: ValidateUrlOptions): EgressError {
  try {
    validateUrlText(raw, options);
  } catch (error) {
    if (error instanceof EgressError) return error;
    throw error;
  }
  throw new Error(`${String(raw)} was accepted`);
}

describe('validateUrlText', () => {
  it('accepts a public http(s) URL and returns it normalised', () => {
    const url = validateUrlText('  HTTPS://WWW.Example.COM/watch?v=abc#t=1  ');
    expect(url.href).toBe('https://www.example.com/watch?v=abc#t=1');
    expect(validateUrlText('http://93.184.216.34/video.mp4').hostname).toBe('93.184.216.34');
    expect(validateUrlText('https://[2606:4700:4700::1111]/').hostname).toBe(
      '[2606:4700:4700::1111]',
    );
    expect(validateUrlText('https://example.com./a').hostname).toBe('example.com.');
    expect(validateUrlText('https://example.com:443/').port).toBe('');
    expect(validateUrlText('http://example.com:443/').port).toBe('443');
  });

  it.each([
    // IPv4, every spelling WHATWG and inet_aton know
    ['http://127.0.0.1/', 'loopback'],
    ['http://127.0.0.1:80/', 'loopback'],
    ['http://127.0.0.1./', 'loopback'],
    ['http://2130706433/', 'loopback'],
    ['http://0x7f.0.0.1/', 'loopback'],
    ['http://0x7f000001/', 'loopback'],
    ['http://0X7F.0X0.0X0.0X1/', 'loopback'],
    ['http://0177.0.0.1/', 'loopback'],
    ['http://0177.0000.0000.0001/', 'loopback'],
    ['http://017700000001/', 'loopback'],
    ['http://127.1/', 'loopback'],
    ['http://127.0.1/', 'loopback'],
    ['http://0x7f.1/', 'loopback'],
    ['http://127.0.0.01/', 'loopback'],
    ['http://%31%32%37.0.0.1/', 'loopback'],
    ['http://１２７.０.０.１/', 'loopback'],
    ['http://0/', 'unspecified'],
    ['http://0.0.0.0/', 'unspecified'],
    ['http://10.0.0.1/', 'private'],
    ['http://167772161/', 'private'],
    ['http://172.16.0.1/', 'private'],
    ['http://192.168.0.1/', 'private'],
    ['http://0xc0.0xa8.0.1/', 'private'],
    ['http://169.254.169.254/latest/meta-data/', 'link_local'],
    ['http://2852039166/', 'link_local'],
    ['http://0xa9fea9fe/', 'link_local'],
    ['http://0251.0376.0251.0376/', 'link_local'],
    ['http://100.64.0.1/', 'shared_address'],
    ['http://224.0.0.1/', 'multicast'],
    ['http://255.255.255.255/', 'broadcast'],
    ['http://4294967295/', 'broadcast'],
    ['http://192.0.2.1/', 'documentation'],
    // IPv6 literals
    ['http://[::1]/', 'loopback'],
    ['http://[0:0:0:0:0:0:0:1]/', 'loopback'],
    ['http://[::]/', 'unspecified'],
    ['http://[::ffff:127.0.0.1]/', 'loopback'],
    ['http://[::ffff:7f00:1]/', 'loopback'],
    ['http://[0:0:0:0:0:ffff:127.0.0.1]/', 'loopback'],
    ['http://[::ffff:169.254.169.254]/', 'link_local'],
    ['http://[::127.0.0.1]/', 'loopback'],
    ['http://[::10.0.0.1]/', 'private'],
    ['http://[64:ff9b::127.0.0.1]/', 'loopback'],
    ['http://[64:ff9b::a9fe:a9fe]/', 'link_local'],
    ['http://[64:ff9b::192.168.1.1]/', 'private'],
    ['http://[2002:7f00:1::]/', 'loopback'],
    ['http://[2002:a9fe:a9fe::]/', 'link_local'],
    ['http://[2002:c0a8:101::1]/', 'private'],
    ['http://[fc00::1]/', 'private'],
    ['http://[fd00:ec2::254]/', 'private'],
    ['http://[fe80::1]/', 'link_local'],
    ['http://[ff02::1]/', 'multicast'],
    ['http://[2001:db8::1]/', 'documentation'],
    // Names that only ever mean this machine or a private network
    ['http://localhost/', 'localhost_name'],
    ['http://LOCALHOST/', 'localhost_name'],
    ['http://localhost./', 'localhost_name'],
    ['http://localhost../', 'localhost_name'],
    ['http://foo.localhost/', 'localhost_name'],
    ['http://a.b.localhost./', 'localhost_name'],
    ['http://localhost.localdomain/', 'localhost_name'],
    ['http://ip6-localhost/', 'localhost_name'],
    ['http://redis/', 'single_label_name'],
    ['http://rabbitmq:443/', 'single_label_name'],
    ['http://metadata.google.internal/', 'special_use_name'],
    ['http://printer.local/', 'special_use_name'],
    ['http://router.home.arpa/', 'special_use_name'],
    ['http://my-svc.my-namespace.svc.cluster.local/', 'special_use_name'],
  ])('refuses %s (%s)', (raw, reason) => {
    const error = refusal(raw);
    expect(error).toBeInstanceOf(EgressError);
    expect(error.code).toBe('blocked_address');
    expect(error.retryable).toBe(false);
    expect(error.details).toMatchObject({ reason });
  });

  it.each([
    ['ftp://example.com/file', 'scheme_not_allowed'],
    ['file:///etc/passwd', 'scheme_not_allowed'],
    ['gopher://example.com/', 'scheme_not_allowed'],
    ['javascript:alert(1)', 'scheme_not_allowed'],
    ['data:text/plain,hi', 'scheme_not_allowed'],
    ['ws://example.com/', 'scheme_not_allowed'],
    ['example.com/video', 'invalid_url'],
    ['//example.com/video', 'invalid_url'],
    ['', 'invalid_url'],
    ['   ', 'invalid_url'],
    ['http://exa mple.com/', 'invalid_url'],
    ['http://example.com/a\nb', 'invalid_url'],
    ['http://exa\tmple.com/', 'invalid_url'],
    ['http://example.com/\u0000', 'invalid_url'],
    ['http://[fe80::1%25eth0]/', 'invalid_url'],
    ['http://1.2.3.4.5/', 'invalid_url'],
    ['http://0x7g.0.0.1/', 'invalid_url'],
    ['http://256.0.0.1/', 'invalid_url'],
    ['http://user:pass@example.com/', 'credentials_not_allowed'],
    ['http://user@example.com/', 'credentials_not_allowed'],
    ['http://:pass@example.com/', 'credentials_not_allowed'],
    ['http://example.com@127.0.0.1/', 'credentials_not_allowed'],
    ['http://example.com:8080/', 'port_not_allowed'],
    ['http://example.com:22/', 'port_not_allowed'],
    ['http://example.com:0/', 'port_not_allowed'],
  ])('refuses %j as %s', (raw, code) => {
    const error = refusal(raw);
    expect(error.code).toBe(code);
    expect(error.retryable).toBe(false);
  });

  it.each([undefined, null, 42, { href: 'http://example.com/' }])('refuses non-text %j', (raw) => {
    expect(refusal(raw).code).toBe('invalid_url');
  });

  it('accepts exactly 2,048 characters and refuses one more', () => {
    const base = 'https://example.com/';
    const longest = base + 'a'.repeat(2048 - base.length);
    expect(validateUrlText(longest).href).toHaveLength(2048);
    expect(refusal(`${longest}a`).code).toBe('url_too_long');
    // Normalisation that lengthens the URL past the limit counts too.
    expect(refusal(base + 'é'.repeat(700)).code).toBe('url_too_long');
  });

  it('lets the allow-list and extra ports open a local media server', () => {
    const options = { allowList: ['127.0.0.1/32'], allowedPorts: [8089] };
    expect(validateUrlText('http://127.0.0.1:8089/clip.mp4', options).href).toBe(
      'http://127.0.0.1:8089/clip.mp4',
    );
    expect(validateUrlText('http://0x7f000001:8089/clip.mp4', options).hostname).toBe('127.0.0.1');
    expect(refusal('http://127.0.0.2:8089/', options).details).toMatchObject({
      reason: 'loopback',
    });
    expect(refusal('http://localhost:8089/', options).details).toMatchObject({
      reason: 'localhost_name',
    });
    expect(refusal('http://127.0.0.1:8090/', options).code).toBe('port_not_allowed');
  });
});
