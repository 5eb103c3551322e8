import { createServer, type AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  connectViaProxy,
  getViaProxy,
  plainGet,
  startOrigin,
  type Origin,
} from '../testing/loopback.ts';
import { startEgressProxy, type EgressProxy } from './egress-proxy.ts';
import type { EgressProxyOptions, ResolvedAddress, Resolver } from './options.ts';

// Every socket here is on loopback. 127.0.0.2 plays a public site (allow-listed); 127.0.0.3
// plays an internal service (blocked). Both listen on the same port so that only the address
// decides which one a connection reaches.
const publicStandIn = '127.0.0.2';
const internalStandIn = '127.0.0.3';

let publicOrigin: Origin;
let internalOrigin: Origin;
let localOrigin: Origin;
const proxies: EgressProxy[] = [];

beforeAll(async () => {
  publicOrigin = await startOrigin(publicStandIn);
  internalOrigin = await startOrigin(internalStandIn, { port: publicOrigin.port });
  localOrigin = await startOrigin('127.0.0.1');
});

afterAll(async () => {
  await Promise.all([publicOrigin.close(), internalOrigin.close(), localOrigin.close()]);
});

afterEach(async () => {
  await Promise.all(proxies.splice(0).map((proxy) => proxy.close()));
  expect(internalOrigin.connections(), 'the internal stand-in must never be reached').toBe(0);
});

async function proxyWith(options: Partial<EgressProxyOptions> = {}): Promise<EgressProxy> {
  const proxy = await startEgressProxy({
    host: '127.0.0.1',
    port: 0,
    allowList: [`${publicStandIn}/32`],
    allowedPorts: [publicOrigin.port, localOrigin.port],
    connectTimeoutMs: 2_000,
    ...options,
  });
  proxies.push(proxy);
  return proxy;
}

/** Answers from a script, one answer list per call, and counts the calls. */
function scriptedResolver(...answers: (readonly string[])[]): Resolver & { calls: string[] } {
  const calls: string[] = [];
  const resolver = (hostname: string): Promise<readonly ResolvedAddress[]> => {
    const answer = answers[Math.min(calls.length, answers.length - 1)] ?? [];
    calls.push(hostname);
    return Promise.resolve(
      answer.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })),
    );
  };
  return Object.assign(resolver, { calls });
}

describe('egress proxy: allowed destinations', () => {
  it('forwards a GET to an allow-listed loopback address', async () => {
    const proxy = await proxyWith({ allowList: ['127.0.0.1/32'] });
    const reply = await getViaProxy(proxy.url, `${localOrigin.url}/clip.mp4?sig=a%2Fb`);
    expect(reply.status).toBe(200);
    expect(reply.body).toBe('hello from 127.0.0.1');
    expect(localOrigin.requests.at(-1)?.path).toBe('/clip.mp4?sig=a%2Fb');
  });

  it('tunnels a CONNECT to an allow-listed loopback address', async () => {
    const proxy = await proxyWith({ allowList: ['127.0.0.1/32'] });
    const reply = await connectViaProxy(
      proxy.url,
      `127.0.0.1:${localOrigin.port}`,
      plainGet('127.0.0.1'),
    );
    expect(reply.status).toBe(200);
    expect(reply.body).toContain('hello from 127.0.0.1');
  });

  it('passes the original Host, drops hop-by-hop headers and adds Via', async () => {
    const resolver = scriptedResolver([publicStandIn]);
    const proxy = await proxyWith({ resolver });
    const reply = await getViaProxy(proxy.url, `http://videos.test:${publicOrigin.port}/a`, {
      connection: 'keep-alive, x-session-secret',
      'x-session-secret': 'only-for-the-proxy',
      'proxy-authorization': 'Basic c2VjcmV0',
      'proxy-connection': 'keep-alive',
      'keep-alive': 'timeout=5',
      te: 'trailers',
      'x-end-to-end': 'kept',
    });
    expect(reply.status).toBe(200);
    const seen = publicOrigin.requests.at(-1)?.headers ?? {};
    expect(seen.host).toBe(`videos.test:${publicOrigin.port}`);
    expect(seen['x-end-to-end']).toBe('kept');
    expect(seen.via).toMatch(/^1\.1 egress-guard-/);
    for (const dropped of [
      'x-session-secret',
      'proxy-authorization',
      'proxy-connection',
      'keep-alive',
      'te',
    ]) {
      expect(seen[dropped], dropped).toBeUndefined();
    }
  });
  it('drops hop-by-hop response headers and caps the upstream header block', async () => {
    const chatty = await startOrigin(publicStandIn, {
      handler: (request, response) => {
        if (request.url === '/huge') response.setHeader('x-filler', 'a'.repeat(8_000));
        response.setHeader('connection', 'x-hop-only');
        response.setHeader('x-hop-only', 'secret');
        response.setHeader('keep-alive', 'timeout=99');
        response.setHeader('set-cookie', ['a=1', 'b=2']);
        response.end('ok');
      },
    });
    try {
      const proxy = await proxyWith({ allowedPorts: [chatty.port], maxHeaderBytes: 4_096 });
      const reply = await getViaProxy(proxy.url, `${chatty.url}/small`);
      expect(reply.status).toBe(200);
      expect(reply.headers['x-hop-only']).toBeUndefined();
      expect(reply.headers['keep-alive']).toBeUndefined();
      expect(reply.headers['set-cookie']).toEqual(['a=1', 'b=2']);
      const huge = await getViaProxy(proxy.url, `${chatty.url}/huge`);
      expect([huge.status, huge.headers['x-egress-error']]).toEqual([502, 'upstream_failed']);
    } finally {
      await chatty.close();
    }
  });
});

describe('egress proxy: refusals', () => {
  it('refuses loopback without the allow-list, for GET and CONNECT, before connecting', async () => {
    const proxy = await proxyWith({ allowList: [] });
    const before = localOrigin.connections();

    const get = await getViaProxy(proxy.url, `${localOrigin.url}/`);
    expect(get.status).toBe(403);
    expect(get.headers['x-egress-refused']).toBe('blocked_address');
    expect(get.headers['x-egress-blocked-range']).toBe('loopback');
    expect(get.statusMessage).toBe('Egress Refused (blocked_address: loopback)');
    expect(get.body).toContain('127.0.0.1, a loopback address');

    const tunnel = await connectViaProxy(proxy.url, `127.0.0.1:${localOrigin.port}`, '');
    expect(tunnel.status).toBe(403);
    expect(tunnel.headers['x-egress-refused']).toBe('blocked_address');
    expect(tunnel.statusMessage).toBe('Egress Refused (blocked_address: loopback)');

    expect(localOrigin.connections()).toBe(before);
  });

  it.each([
    ['0x7f000001', 'loopback'],
    ['2130706433', 'loopback'],
    ['127.1', 'loopback'],
    ['0177.0.0.1', 'loopback'],
    ['[::1]', 'loopback'],
    ['[::ffff:127.0.0.1]', 'loopback'],
    ['[::ffff:7f00:1]', 'loopback'],
    ['[64:ff9b::7f00:1]', 'loopback'],
    ['[2002:7f00:1::]', 'loopback'],
    ['0.0.0.0', 'unspecified'],
    ['169.254.169.254', 'link_local'],
  ])('refuses the spelling %s (%s) in GET and CONNECT', async (host, range) => {
    const proxy = await proxyWith({ allowList: [], allowedPorts: [localOrigin.port] });
    const get = await getViaProxy(proxy.url, `http://${host}:${localOrigin.port}/`);
    expect([get.status, get.headers['x-egress-blocked-range']]).toEqual([403, range]);
    const tunnel = await connectViaProxy(proxy.url, `${host}:${localOrigin.port}`, '');
    expect([tunnel.status, tunnel.headers['x-egress-blocked-range']]).toEqual([403, range]);
  });

  it('refuses a name when any of its addresses is blocked, whatever the order', async () => {
    for (const answer of [
      [publicStandIn, '10.0.0.1'],
      ['10.0.0.1', publicStandIn],
      [publicStandIn, 'fd00::1'],
      [publicStandIn, '::ffff:169.254.169.254'],
    ]) {
      const proxy = await proxyWith({ resolver: scriptedResolver(answer) });
      const target = `mixed.test:${publicOrigin.port}`;
      const get = await getViaProxy(proxy.url, `http://${target}/`);
      expect(get.status, answer.join(',')).toBe(403);
      expect(get.headers['x-egress-refused']).toBe('blocked_address');
      const tunnel = await connectViaProxy(proxy.url, target, '');
      expect(tunnel.status).toBe(403);
    }
    expect(publicOrigin.requests.filter((r) => r.headers.host?.startsWith('mixed'))).toEqual([]);
  });

  it('connects to the address it checked, not to a later DNS answer (rebinding)', async () => {
    // First answer: the allowed address. Every later answer: the blocked one. A proxy that
    // resolved again to connect would land on the internal stand-in.
    const resolver = scriptedResolver([publicStandIn], [internalStandIn]);
    const proxy = await proxyWith({ resolver });
    const target = `rebind.test:${publicOrigin.port}`;

    const first = await getViaProxy(proxy.url, `http://${target}/first`);
    expect(first.status).toBe(200);
    expect(first.body).toBe(`hello from ${publicStandIn}`);
    expect(resolver.calls).toEqual(['rebind.test']);

    const second = await getViaProxy(proxy.url, `http://${target}/second`);
    expect(second.status).toBe(403);
    expect(second.headers['x-egress-blocked-range']).toBe('loopback');
    expect(resolver.calls).toEqual(['rebind.test', 'rebind.test']);
  });

  it('tunnels to the address it checked, not to a later DNS answer (rebinding)', async () => {
    const resolver = scriptedResolver([publicStandIn], [internalStandIn]);
    const proxy = await proxyWith({ resolver });
    const target = `rebind.test:${publicOrigin.port}`;

    const first = await connectViaProxy(proxy.url, target, plainGet('rebind.test'));
    expect(first.status).toBe(200);
    expect(first.body).toContain(`hello from ${publicStandIn}`);
    expect(resolver.calls).toHaveLength(1);

    const second = await connectViaProxy(proxy.url, target, plainGet('rebind.test'));
    expect(second.status).toBe(403);
    expect(resolver.calls).toHaveLength(2);
  });

  it('checks every redirect hop again: allowed site redirecting to a blocked one', async () => {
    const redirector = await startOrigin(publicStandIn, {
      handler: (request, response) => {
        const location =
          request.url === '/to-literal'
            ? `http://${internalStandIn}:${publicOrigin.port}/admin`
            : `http://internal.test:${publicOrigin.port}/admin`;
        response.writeHead(302, { location });
        response.end();
      },
    });
    try {
      const resolver: Resolver = (hostname) =>
        Promise.resolve([
          { address: hostname === 'internal.test' ? internalStandIn : publicStandIn, family: 4 },
        ]);
      const proxy = await proxyWith({
        resolver,
        allowedPorts: [redirector.port, publicOrigin.port],
      });
      for (const path of ['/to-literal', '/to-name']) {
        const hop1 = await getViaProxy(proxy.url, `http://site.test:${redirector.port}${path}`);
        expect(hop1.status).toBe(302);
        const location = hop1.headers.location ?? '';
        const hop2 = await getViaProxy(proxy.url, location);
        expect(hop2.status, location).toBe(403);
        expect(hop2.headers['x-egress-refused']).toBe('blocked_address');
      }
    } finally {
      await redirector.close();
    }
  });

  it('refuses ports other than 80, 443 and the configured ones without resolving', async () => {
    const resolver = scriptedResolver([publicStandIn]);
    const proxy = await proxyWith({ resolver, allowedPorts: [] });
    const get = await getViaProxy(proxy.url, `http://site.test:${publicOrigin.port}/`);
    expect([get.status, get.headers['x-egress-refused']]).toEqual([403, 'port_not_allowed']);
    const tunnel = await connectViaProxy(proxy.url, 'site.test:22', '');
    expect([tunnel.status, tunnel.headers['x-egress-refused']]).toEqual([403, 'port_not_allowed']);
    expect(resolver.calls).toEqual([]);
  });

  it('refuses targets that are not absolute http:// URLs or host:port', async () => {
    const proxy = await proxyWith();
    const https = await getViaProxy(proxy.url, `https://127.0.0.2:${publicOrigin.port}/`);
    expect([https.status, https.headers['x-egress-refused']]).toEqual([403, 'scheme_not_allowed']);
    const originForm = await getViaProxy(proxy.url, '/');
    expect([originForm.status, originForm.headers['x-egress-refused']]).toEqual([
      400,
      'invalid_target',
    ]);
    const userinfo = await getViaProxy(proxy.url, `http://a@127.0.0.2:${publicOrigin.port}/`);
    expect(userinfo.headers['x-egress-refused']).toBe('invalid_target');
    for (const authority of ['127.0.0.2', 'example.test:443/path', 'user@example.test:443']) {
      const tunnel = await connectViaProxy(proxy.url, authority, '');
      expect([tunnel.status, tunnel.headers['x-egress-refused']], authority).toEqual([
        400,
        'invalid_target',
      ]);
    }
  });

  it('refuses to proxy to itself even when its address is allow-listed', async () => {
    const port = await freePort();
    const proxy = await proxyWith({ port, allowList: ['127.0.0.0/8'], allowedPorts: [port] });
    const get = await getViaProxy(proxy.url, `http://127.0.0.1:${port}/`);
    expect([get.status, get.headers['x-egress-refused']]).toEqual([403, 'proxy_loop']);
    const tunnel = await connectViaProxy(proxy.url, `127.0.0.1:${port}`, '');
    expect([tunnel.status, tunnel.headers['x-egress-refused']]).toEqual([403, 'proxy_loop']);
  });

  it('rejects an oversized request header block', async () => {
    const proxy = await proxyWith({ maxHeaderBytes: 4_096 });
    const reply = await getViaProxy(proxy.url, `http://127.0.0.2:${publicOrigin.port}/`, {
      'x-filler': 'a'.repeat(8_000),
    }).catch((error: unknown) => error);
    // Node answers 431 or closes the connection; either way nothing is forwarded.
    if (reply instanceof Error) expect(reply.message).toMatch(/socket hang up|ECONNRESET/);
    else expect(reply).toMatchObject({ status: 431 });
    expect(publicOrigin.requests.some((r) => r.headers['x-filler'] !== undefined)).toBe(false);
  });
});

describe('egress proxy: failures and hooks', () => {
  it('answers 502 when the name does not resolve or nothing listens', async () => {
    const resolver: Resolver = () => Promise.reject(new Error('ENOTFOUND nowhere.test'));
    const proxy = await proxyWith({ resolver, allowList: ['127.0.0.0/8'] });
    const unresolvable = await getViaProxy(proxy.url, 'http://nowhere.test/');
    expect([unresolvable.status, unresolvable.headers['x-egress-error']]).toEqual([
      502,
      'unresolvable',
    ]);
    const closedPort = await freePort();
    const proxy2 = await proxyWith({ allowList: ['127.0.0.0/8'], allowedPorts: [closedPort] });
    const refused = await getViaProxy(proxy2.url, `http://127.0.0.1:${closedPort}/`);
    expect([refused.status, refused.headers['x-egress-error']]).toEqual([502, 'connect_failed']);
    const tunnel = await connectViaProxy(proxy2.url, `127.0.0.1:${closedPort}`, '');
    expect([tunnel.status, tunnel.headers['x-egress-error']]).toEqual([502, 'connect_failed']);
  });

  it('reports refusals by reason to the observer and survives a throwing hook', async () => {
    const refusals: string[] = [];
    const forwarded: string[] = [];
    const proxy = await proxyWith({
      observer: {
        refused: ({ kind, reason, range }) => refusals.push(`${kind}:${reason}:${range ?? '-'}`),
        forwarded: ({ kind }) => forwarded.push(kind),
      },
    });
    await getViaProxy(proxy.url, `http://127.0.0.1:${localOrigin.port}/`);
    await connectViaProxy(proxy.url, `10.0.0.1:${localOrigin.port}`, '');
    await getViaProxy(proxy.url, 'http://127.0.0.2:25/');
    await getViaProxy(proxy.url, `http://127.0.0.2:${publicOrigin.port}/`);
    expect(refusals).toEqual([
      'http:blocked_address:loopback',
      'connect:blocked_address:private',
      'http:port_not_allowed:-',
    ]);
    expect(forwarded).toEqual(['http']);

    const throwing = await proxyWith({
      observer: {
        refused: () => {
          throw new Error('metrics down');
        },
      },
    });
    const reply = await getViaProxy(throwing.url, `http://127.0.0.1:${localOrigin.port}/`);
    expect(reply.status).toBe(403);
  });

  it('validates its options with typed errors', async () => {
    await expect(proxyWith({ allowList: ['127.0.0.1/40'] })).rejects.toMatchObject({
      code: 'invalid_allow_list',
    });
    await expect(proxyWith({ connectTimeoutMs: -1 })).rejects.toMatchObject({
      code: 'invalid_proxy_options',
      retryable: false,
    });
  });
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
